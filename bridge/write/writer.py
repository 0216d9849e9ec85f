"""Client writes → Google: either the client gets a success and Google has the change, or it
gets an error and nothing changed.

A write runs the planned calls in order; if one fails, the calls already made are undone
(best effort, logged) and the client gets the error. New events get ids derived from their
UID, so a retried insert can never create a second event. Afterwards the store is updated
from Google's answers and one incremental sync settles whatever else Google changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from .. import errors
from ..google import GoogleClient, GoogleError
from ..google import errors as google
from ..model import Kind
from ..store import Store
from ..sync import SyncEngine
from ..translate import ICalError, UnsupportedComponent, parse
from ..translate.events import sent
from . import inserts, limits, resolve
from .errors import from_google
from .plan import Op, plan_put

log = logging.getLogger(__name__)


@dataclass
class _Ids:
    """Google ids and etags of one resource's events, updated as calls succeed."""
    master_id: str | None = None
    master_etag: str | None = None
    instances: dict[str, tuple[str, str]] = field(default_factory=dict)  # stamp → (id, etag)

    @classmethod
    def of(cls, events: list[dict]) -> "_Ids":
        ids = cls()
        for event in events:
            if "recurringEventId" in event:
                stamp = event["id"].rsplit("_", 1)[-1]
                ids.instances[stamp] = (event["id"], event.get("etag"))
            elif event.get("status") != "cancelled":
                ids.master_id, ids.master_etag = event["id"], event.get("etag")
        return ids

    def target(self, stamp: str | None) -> tuple[str, str | None]:
        if stamp is None:
            return self.master_id, self.master_etag
        if stamp in self.instances:
            return self.instances[stamp]
        return f"{self.master_id}_{stamp}", None

    def learn(self, stamp: str | None, event: dict) -> None:
        if stamp is None:
            self.master_id, self.master_etag = event["id"], event.get("etag")
        else:
            self.instances[stamp] = (event["id"], event.get("etag"))


class Writer:
    def __init__(self, store: Store, engine: SyncEngine,
                 client_for: Callable[[int], GoogleClient], *, send_updates: str = "none"):
        self.store, self.engine, self.client_for = store, engine, client_for
        self.send_updates = send_updates
        self.generations = inserts.Generations()

    # --- PUT ----------------------------------------------------------------------------------

    def put(self, calendar_id: int, href: str, text: str) -> None:
        """Store a client's resource at ``href``: Google first, then the store. Runs under
        the calendar's lease, so no sync interleaves."""
        with self.store.leases.exclusive(Kind.EVENTS, calendar_id):
            self._put(self.store.calendar(calendar_id), href, text)

    def _put(self, calendar, href: str, text: str) -> None:
        try:
            new = parse(text, calendar.time_zone, calendar.reminders)
        except UnsupportedComponent as exc:
            raise errors.Unsupported(str(exc), component="VEVENT") from None
        except ICalError as exc:
            raise errors.Invalid(str(exc)) from None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            # A value icalendar accepted but cannot represent: a 400, never a 500.
            log.warning("unreadable iCalendar in a PUT (%s)", type(exc).__name__)
            raise errors.Invalid("The iCalendar data could not be read (a value is not "
                                 "valid).") from None
        limits.check(new)                       # bounded recurrence work, before Google
        current = self.store.item(calendar.id, href)
        old = parse(current.text, calendar.time_zone, calendar.reminders) if current else None
        ops = plan_put(old, new)
        ids = _Ids.of(self.store.google_events_of(calendar.id, new.uid))
        if current is None and ids.master_id:
            raise errors.Conflict("An event with this UID already exists in the calendar.",
                                  uid=new.uid)
        answers = self._apply(calendar, new.uid, ids, ops)
        # The client's bytes go with the shadow: served while Google means the same.
        kept = {**new.shadows(), sent.KEY: text}
        self.engine.store_write(calendar, new.uid, answers, kept, href)
        if ops:
            self.engine.settle(calendar.id)

    def _apply(self, calendar, uid: str, ids: _Ids, ops: list[Op]) -> list[dict]:
        client = self.client_for(calendar.account_id)
        answers, done = [], []
        deleted_before = bool(ops) and ops[0].kind == "insert" and self._was_deleted(
            calendar.id, uid)
        try:
            for op in ops:
                answer = self._run(client, calendar.google_id, uid, ids, op, deleted_before)
                if answer is not None:
                    answers.append(answer)
                done.append(op)
        except GoogleError as exc:
            self._undo(client, calendar.google_id, ids, done)
            if exc.status == 404 and op.stamp is not None and ids.master_id:
                raise errors.Invalid(f"RECURRENCE-ID {op.stamp} is not an occurrence of the "
                                     "series on Google; an override must name one.") from None
            raise from_google(exc) from None
        return answers

    def _run(self, client: GoogleClient, cal: str, uid: str, ids: _Ids, op: Op,
             deleted_before: bool = False) -> dict | None:
        notify = "none" if op.quiet else self.send_updates
        if op.kind == "insert":
            event = inserts.insert(client, cal, uid, op.body, notify, self.generations,
                                   deleted_before=deleted_before)
            ids.learn(None, event)
            return event
        target, etag = ids.target(op.stamp)
        if op.kind == "cancel":
            self._delete(client, cal, target, None, notify)
            return None
        try:
            event = client.call(lambda s: s.events().patch(
                calendarId=cal, eventId=target, body=op.body, sendUpdates=notify),
                headers={"If-Match": etag} if etag else None)
        except GoogleError as exc:
            if exc.status != 412 and not resolve.unanswered(exc):
                raise
            # Our own attempt may have landed (a lost reply, retried or not): then Google
            # holds exactly what we want, and that is neither a conflict nor a failure.
            event = resolve.fetch(client, cal, target)
            if not resolve.holds(event, op.body):
                raise
        ids.learn(op.stamp, event)
        return event

    def _was_deleted(self, calendar_id: int, uid: str) -> bool:
        row = self.store.item_hrefs_by_uid(calendar_id, [uid]).get(uid)
        return row is not None and row[2]

    def _delete(self, client: GoogleClient, cal: str, target: str, etag: str | None,
                notify: str) -> None:
        """Delete ``target``; done when Google no longer holds it, however we learn that (a
        lost reply, a retry that meets our own delete's 412, a 404/410)."""
        try:
            client.call(lambda s: s.events().delete(calendarId=cal, eventId=target,
                                                    sendUpdates=notify),
                        headers={"If-Match": etag} if etag else None)
        except GoogleError as exc:
            if exc.status not in (404, 410, 412) and not resolve.unanswered(exc):
                raise
            if not resolve.gone(client, cal, target):
                raise google.Unavailable("Google did not delete the event (it still holds "
                                         "it); nothing changed.", status=502) from None

    def _undo(self, client: GoogleClient, cal: str, ids: _Ids, done: list[Op]) -> None:
        for op in reversed(done):
            target, _ = ids.target(op.stamp)
            try:
                if op.kind == "insert":
                    self._delete(client, cal, target, None, "none")
                elif op.undo is not None:
                    client.call(lambda s: s.events().patch(calendarId=cal, eventId=target,
                                                           body=op.undo, sendUpdates="none"))
            except GoogleError as exc:
                log.error("could not undo a partial write on %s (%s): %s", target, op.kind, exc)

    # --- DELETE -------------------------------------------------------------------------------

    def delete(self, calendar_id: int, href: str) -> None:
        with self.store.leases.exclusive(Kind.EVENTS, calendar_id):
            self._delete_resource(self.store.calendar(calendar_id), href)

    def _delete_resource(self, calendar, href: str) -> None:
        current = self.store.item(calendar.id, href)
        if current is None:
            return
        ids = _Ids.of(self.store.google_events_of(calendar.id, current.uid))
        client = self.client_for(calendar.account_id)
        try:
            if ids.master_id:
                self._delete(client, calendar.google_id, ids.master_id, ids.master_etag,
                             self.send_updates)
            else:       # an invitation to single occurrences: remove each of them
                for target, etag in ids.instances.values():
                    self._delete(client, calendar.google_id, target, etag, self.send_updates)
        except GoogleError as exc:
            raise from_google(exc) from None
        self.engine.store_removal(calendar, current.uid)
        self.engine.settle(calendar.id)

    def refresh_before_write(self, calendar_id: int) -> None:
        """Bring a calendar up to date so the client's preconditions meet Google's state (the
        caller holds the calendar's lease for the whole request)."""
        self.engine.settle(calendar_id)
