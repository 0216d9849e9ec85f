"""One write transaction of the local store: everything a sync or a client write changes,
committed together (see ``Store.write``). Inserts are batched until ``flush``; a statement
that reads, changes or deletes rows a batched insert may hold flushes first, so the batching
never shows."""

from __future__ import annotations

import json
import re
import secrets
import time

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from ..model import Calendar, Item, Occurrences, Rendered
from . import records
from .schema import accounts, calendars, google_events, items, occurrences, shadows, users


_UNSAFE = re.compile(r"[^a-z0-9._-]+")


def slug_for(google_id: str) -> str:
    """A URL path segment for a Google calendar id: ids hold ``@``, ``#`` and other characters
    clients encode differently, so keep only ones that never need encoding."""
    name = google_id.lower().removesuffix("@group.calendar.google.com")
    return _UNSAFE.sub("-", name.replace("@", "-at-")).strip("-.")[:200] or "calendar"


class Tx:
    """One write transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self._pending_items: list[dict] = []
        self._pending_occurrences: list[dict] = []
        self._pending_events: list[dict] = []
        # (calendar, href or event id) of batched rows; a chance match only costs a flush
        self._pending_keys: set[tuple[int, str]] = set()

    def ensure_user(self, name: str) -> int:
        row = self.conn.execute(select(users.c.id).where(users.c.name == name)).first()
        if row:
            return row.id
        return self.conn.execute(users.insert().values(name=name)).inserted_primary_key[0]

    def add_account(self, user: str, email: str, kind: str, credentials_path: str,
                    subject: str | None) -> int:
        user_id = self.ensure_user(user)
        row = self.conn.execute(select(accounts.c.id).where(accounts.c.user_id == user_id,
                                                            accounts.c.email == email)).first()
        values = dict(kind=kind, credentials_path=credentials_path, subject=subject)
        if row:
            self.conn.execute(update(accounts).where(accounts.c.id == row.id).values(**values))
            return row.id
        return self.conn.execute(accounts.insert().values(
            user_id=user_id, email=email, **values)).inserted_primary_key[0]

    def set_account(self, account_id: int, **values) -> None:
        self.conn.execute(update(accounts).where(accounts.c.id == account_id).values(**values))

    # --- calendars ------------------------------------------------------------------------------

    def upsert_calendar(self, account_id: int, user_id: int, google_id: str, *,
                        slug_base: str | None = None, **fields) -> int:
        """The collection of a Google calendar (or task list: ``slug_base`` names it)."""
        row = self.conn.execute(select(calendars.c.id).where(
            calendars.c.account_id == account_id, calendars.c.google_id == google_id)).first()
        if row:
            self.conn.execute(update(calendars).where(calendars.c.id == row.id)
                              .values(deleted=False, **fields))
            return row.id
        slug = base = slug_for(slug_base or google_id)
        taken = {r.slug for r in self.conn.execute(
            select(calendars.c.slug).where(calendars.c.user_id == user_id))}
        n = 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return self.conn.execute(calendars.insert().values(
            account_id=account_id, user_id=user_id, google_id=google_id, slug=slug,
            epoch=secrets.token_hex(4), last_modified=time.time(), **fields,
        )).inserted_primary_key[0]

    def calendar_row(self, account_id: int, google_id: str) -> Calendar | None:
        return records.one(records.calendar, self.conn.execute(select(calendars).where(
            calendars.c.account_id == account_id, calendars.c.google_id == google_id)).first())

    def set_calendar(self, calendar_id: int, **values) -> None:
        self.conn.execute(update(calendars).where(calendars.c.id == calendar_id).values(**values))

    def forget_calendar(self, calendar_id: int) -> None:
        """The calendar left the Google account: hide it and drop its cached data."""
        self.flush()
        for table in (google_events, items, shadows, occurrences):
            self.conn.execute(table.delete().where(table.c.calendar_id == calendar_id))
        self.conn.execute(update(calendars).where(calendars.c.id == calendar_id).values(
            deleted=True, sync_token=None, revision=calendars.c.revision + 1,
            min_revision=calendars.c.revision + 1))

    def next_revision(self, calendar_id: int) -> int:
        self.conn.execute(update(calendars).where(calendars.c.id == calendar_id).values(
            revision=calendars.c.revision + 1, last_modified=time.time()))
        return self.conn.execute(select(calendars.c.revision)
                                 .where(calendars.c.id == calendar_id)).scalar_one()

    # --- Google events --------------------------------------------------------------------------

    def put_google_event(self, calendar_id: int, event: dict, uid: str) -> None:
        self.delete_google_event(calendar_id, event["id"])
        self.add_google_event(calendar_id, event, uid)

    def add_google_event(self, calendar_id: int, event: dict, uid: str) -> None:
        """Insert (batched) an event known not to be stored, e.g. after clearing."""
        self._pending_events.append(dict(
            calendar_id=calendar_id, event_id=event["id"], uid=uid,
            etag=event.get("etag", ""), data=json.dumps(event, sort_keys=True)))
        self._pending_keys.add((calendar_id, event["id"]))

    def delete_google_event(self, calendar_id: int, event_id: str) -> None:
        self._flush_if_pending(calendar_id, event_id)
        self.conn.execute(google_events.delete().where(google_events.c.calendar_id == calendar_id,
                                                       google_events.c.event_id == event_id))

    def delete_google_events_of(self, calendar_id: int, uid: str) -> None:
        self.flush()
        self.conn.execute(google_events.delete().where(google_events.c.calendar_id == calendar_id,
                                                       google_events.c.uid == uid))

    def clear_google_events(self, calendar_id: int) -> None:
        self.flush()
        self.conn.execute(google_events.delete().where(google_events.c.calendar_id == calendar_id))

    # --- shadows --------------------------------------------------------------------------------

    def set_shadow(self, calendar_id: int, uid: str, data: dict | None) -> None:
        self.conn.execute(shadows.delete().where(shadows.c.calendar_id == calendar_id,
                                                 shadows.c.uid == uid))
        if data:
            self.conn.execute(shadows.insert().values(calendar_id=calendar_id, uid=uid,
                                                      data=json.dumps(data, sort_keys=True)))

    # --- items ----------------------------------------------------------------------------------

    def live_uid_at(self, calendar_id: int, href: str) -> str | None:
        """The UID of the live resource at ``href``, if any."""
        self.flush()
        return self.conn.execute(select(items.c.uid).where(
            items.c.calendar_id == calendar_id, items.c.href == href,
            items.c.deleted.is_(False))).scalar()

    def item_by_uid(self, calendar_id: int, uid: str) -> Item | None:
        """The resource with this UID: the live one if any, else its newest tombstone."""
        self.flush()
        return records.one(records.item, self.conn.execute(select(items).where(
            items.c.calendar_id == calendar_id, items.c.uid == uid)
            .order_by(items.c.deleted, items.c.revision.desc())).first())

    def put_item(self, calendar_id: int, href: str, rendered: Rendered, revision: int,
                 index: Occurrences | None = None, *, new: bool = False,
                 bounds: tuple[int, int] | None = None) -> None:
        """Store a resource (``new``: known not to exist, so insert without looking;
        ``bounds``: its exact (start, end) by Radicale's rules, if known)."""
        start, end = bounds or (rendered.start, rendered.end)
        values = dict(uid=rendered.uid, text=rendered.text, etag=rendered.etag,
                      start=start, end=end, recurring=rendered.recurring,
                      revision=revision, deleted=False, last_modified=time.time(),
                      indexed_from=index.indexed_from if index else 0,
                      indexed_until=index.indexed_until if index else 0)
        if not new:
            self._flush_if_pending(calendar_id, href)
            self._drop_occurrences(calendar_id, href)
            done = self.conn.execute(update(items).where(items.c.calendar_id == calendar_id,
                                                         items.c.href == href).values(**values))
        if new or done.rowcount == 0:
            self._pending_items.append(dict(calendar_id=calendar_id, href=href, **values))
            self._pending_keys.add((calendar_id, href))
        if index is not None:
            self._pending_occurrences += [dict(calendar_id=calendar_id, href=href, start=s,
                                               end=e) for s, e in index.spans]
        if len(self._pending_items) + len(self._pending_occurrences) > 5000:
            self.flush()

    def flush(self) -> None:
        """Write batched inserts (one statement for many rows is much faster)."""
        if self._pending_events:
            self.conn.execute(google_events.insert(), self._pending_events)
            self._pending_events = []
        if self._pending_items:
            self.conn.execute(items.insert(), self._pending_items)
            self._pending_items = []
        if self._pending_occurrences:
            self.conn.execute(occurrences.insert(), self._pending_occurrences)
            self._pending_occurrences = []
        self._pending_keys.clear()

    def _flush_if_pending(self, calendar_id: int, key: str) -> None:
        if (calendar_id, key) in self._pending_keys:
            self.flush()

    def _drop_occurrences(self, calendar_id: int, href: str) -> None:
        self.conn.execute(occurrences.delete().where(occurrences.c.calendar_id == calendar_id,
                                                     occurrences.c.href == href))

    def tombstone_item(self, calendar_id: int, href: str, revision: int) -> None:
        self._flush_if_pending(calendar_id, href)
        self._drop_occurrences(calendar_id, href)
        self.conn.execute(update(items).where(items.c.calendar_id == calendar_id,
                                              items.c.href == href).values(
            text=None, etag=None, deleted=True, revision=revision, last_modified=time.time()))

    def prune(self, calendar_id: int, before_revision: int) -> int:
        """Drop tombstones older than a revision. Client tokens from before the newest of them
        become invalid; a token at its revision has seen every dropped deletion and stays
        valid (so does the current token, even if that deletion was the last change)."""
        self.flush()
        old = (items.c.calendar_id == calendar_id, items.c.deleted.is_(True),
               items.c.revision < before_revision)
        newest = self.conn.execute(select(func.max(items.c.revision)).where(*old)).scalar()
        if newest is None:
            return 0
        done = self.conn.execute(items.delete().where(*old))
        self.conn.execute(update(calendars).where(calendars.c.id == calendar_id,
                                                  calendars.c.min_revision < newest)
                          .values(min_revision=newest))
        return done.rowcount
