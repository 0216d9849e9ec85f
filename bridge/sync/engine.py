"""The sync engine: Google → local store.

Calendar list: a full ``calendarList.list`` each time (cheap, and incremental calendar-list
lists miss renames and zone changes). Events: a full list once, then incremental lists with
the stored ``nextSyncToken``; a 410 leads to a full re-list *diffed* into the store, so
unchanged resources keep their revision and ETag and clients see only real changes. All pages
of a listing are applied, with the new sync token, in one transaction.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

from ..google import GoogleClient, GoogleError, SyncTokenInvalid
from ..store import Store, Tx
from ..model import Rendered
from ..translate import CalendarContext, render, shadow
from ..translate.events import occurrences
from .resources import group_by_uid, href_for, is_deleted, uid_of

log = logging.getLogger(__name__)
PAGE_SIZE = 2500


@dataclass
class SyncResult:
    full: bool
    events: int          # Google events received
    changed: int         # CalDAV resources added, changed or deleted


class SyncEngine:
    def __init__(self, store: Store, client_for: Callable[[int], GoogleClient], *,
                 freshness: float = 30.0):
        self.store = store
        self.client_for = client_for
        self.freshness = freshness
        # One sync at a time per calendar (and per calendar list): two overlapping syncs from
        # the same token could commit an older listing after a newer one.
        self._locks: dict[tuple[str, int], threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._failed_at: dict[tuple[str, int], float] = {}
        # Hooks for push and metrics: ``push_healthy(calendar_id)`` says a live push channel
        # watches the calendar (request-driven syncs are then unnecessary); each observer is
        # called as observer(kind, key, seconds, error_or_None) after every sync attempt.
        self.push_healthy: Callable[[int], bool] = lambda calendar_id: False
        self.list_push_healthy: Callable[[int], bool] = lambda account_id: False
        self.observers: list[Callable[[str, int, float, Exception | None], None]] = []

    def _lock(self, kind: str, key: int) -> threading.RLock:
        with self._locks_guard:
            return self._locks.setdefault((kind, key), threading.RLock())

    # --- calendar list --------------------------------------------------------------------------

    def sync_calendar_list(self, account_id: int) -> list[int]:
        """Mirror the account's calendar list; returns the ids of its calendars."""
        return self._observed("list", account_id, lambda: self._sync_calendar_list(account_id))

    def _sync_calendar_list(self, account_id: int) -> list[int]:
        account = self.store.account(account_id)
        client = self.client_for(account_id)
        entries, _, _ = client.list_all(lambda s, page: s.calendarList().list(
            maxResults=250, showHidden=True, pageToken=page))
        seen, rerender = [], []
        with self.store.write() as tx:
            for entry in entries:
                if entry.get("deleted"):
                    continue
                fields = dict(
                    summary=entry.get("summary", ""), summary_override=entry.get("summaryOverride"),
                    description=entry.get("description", ""),
                    time_zone=entry.get("timeZone") or "UTC",
                    color=entry.get("backgroundColor"),
                    access_role=entry.get("accessRole", "reader"),
                    default_reminders=json.dumps(entry.get("defaultReminders", []),
                                                 sort_keys=True))
                before = tx.calendar_row(account_id, entry["id"])
                calendar_id = tx.upsert_calendar(account_id, account.user_id, entry["id"],
                                                 **fields)
                if before is not None and (before.time_zone, before.default_reminders) != (
                        fields["time_zone"], fields["default_reminders"]):
                    rerender.append(calendar_id)
                seen.append(calendar_id)
            for row in self.store.calendars_of_account(account_id):
                if row.id not in seen:
                    log.info("calendar %s left account %s", row.slug, account.email)
                    tx.forget_calendar(row.id)
            tx.set_account(account_id, list_synced=time.time(), last_error=None)
        for calendar_id in rerender:
            self.rerender(calendar_id)
        return seen

    # --- events -----------------------------------------------------------------------------------

    def sync_calendar(self, calendar_id: int, *, full: bool = False) -> SyncResult:
        return self._observed("events", calendar_id,
                              lambda: self._sync_calendar(calendar_id, full=full))

    def _observed(self, kind: str, key: int, run: Callable):
        started, error = time.monotonic(), None
        try:
            with self._lock(kind, key):
                return run()
        except Exception as exc:
            error = exc
            raise
        finally:
            for observer in self.observers:
                observer(kind, key, time.monotonic() - started, error)

    def _sync_calendar(self, calendar_id: int, *, full: bool) -> SyncResult:
        calendar = self.store.calendar(calendar_id)
        client = self.client_for(calendar.account_id)
        if calendar.sync_token and not full:
            try:
                events, token = self._list(client, calendar.google_id, calendar.sync_token)
                return self._apply_incremental(calendar, events, token)
            except SyncTokenInvalid:
                log.info("sync token of %s expired; re-listing in full", calendar.slug)
        events, token = self._list(client, calendar.google_id, None)
        return self._apply_full(calendar, events, token)

    def _list(self, client: GoogleClient, google_id: str,
              sync_token: str | None) -> tuple[list[dict], str | None]:
        def request(service, page):
            params = dict(calendarId=google_id, maxResults=PAGE_SIZE, pageToken=page)
            if sync_token:
                params["syncToken"] = sync_token
            return service.events().list(**params)
        events, token, _ = client.list_all(request)
        return events, token

    def _apply_full(self, calendar, events: list[dict], token: str | None) -> SyncResult:
        ctx = context(calendar)
        groups = group_by_uid(events)
        changed = 0
        with self.store.write() as tx:
            existing = tx.item_etags(calendar.id)
            first_import = not tx.has_rows(calendar.id)      # not even tombstones
            shadows = tx.shadows(calendar.id)
            tx.clear_google_events(calendar.id)
            revision = LazyRevision(tx, calendar.id)
            live = set()
            for uid, group in groups.items():
                for event in group:
                    tx.add_google_event(calendar.id, event, uid)
                rendered = render_resource(group, ctx, shadows.get(uid))
                if rendered is None:
                    continue
                live.add(uid)
                href, etag = existing.get(uid, (None, None))
                if etag != rendered.etag:
                    tx.put_item(calendar.id, href or href_for(uid), rendered, revision.get(),
                                occurrences.index(group, ctx), new=first_import,
                                bounds=occurrences.single_bounds(group, ctx))
                    changed += 1
            for uid, (href, _) in existing.items():
                if uid not in live:
                    tx.tombstone_item(calendar.id, href, revision.get())
                    changed += 1
            tx.set_calendar(calendar.id, sync_token=token, last_sync=time.time(),
                            last_error=None)
        return SyncResult(full=True, events=len(events), changed=changed)

    def _apply_incremental(self, calendar, events: list[dict], token: str | None) -> SyncResult:
        ctx = context(calendar)
        changed = 0
        with self.store.write() as tx:
            known = tx.google_event_uids(calendar.id, {e["id"] for e in events} | {
                e["recurringEventId"] for e in events if "recurringEventId" in e})
            affected = set()
            for event in events:
                uid = uid_of(event, known)
                if uid is None:
                    continue            # a tombstone of something we never had
                known[event["id"]] = uid
                affected.add(uid)
                if is_deleted(event):
                    tx.delete_google_event(calendar.id, event["id"])
                else:
                    tx.put_google_event(calendar.id, event, uid)
            revision = LazyRevision(tx, calendar.id)
            for uid in sorted(affected):
                changed += refresh_resource(tx, calendar.id, uid, ctx, revision)
            tx.set_calendar(calendar.id, sync_token=token, last_sync=time.time(),
                            last_error=None)
        return SyncResult(full=False, events=len(events), changed=changed)

    def rerender(self, calendar_id: int) -> int:
        """Re-render every resource from stored Google data (the calendar's zone or default
        reminders changed); only resources whose text changes get a new revision."""
        calendar = self.store.calendar(calendar_id)
        ctx = context(calendar)
        changed = 0
        with self.store.write() as tx:
            uids = {r.uid for r in self.store.google_events(calendar_id)}
            revision = LazyRevision(tx, calendar_id)
            for uid in sorted(uids):
                changed += refresh_resource(tx, calendar_id, uid, ctx, revision)
        return changed

    # --- freshness ----------------------------------------------------------------------------

    def ensure_fresh(self, calendar_id: int) -> None:
        """Sync the calendar first if its last sync is older than the freshness window (and no
        healthy push channel watches it). Concurrent callers share one sync; if Google fails,
        the cache is served (logged)."""
        if self.push_healthy(calendar_id):
            return
        self._fresh("events", calendar_id, lambda: self.store.calendar(calendar_id).last_sync,
                    lambda: self.sync_calendar(calendar_id))

    def ensure_list_fresh(self, account_id: int) -> None:
        if self.list_push_healthy(account_id):
            return
        self._fresh("list", account_id, lambda: self.store.account(account_id).list_synced,
                    lambda: self.sync_calendar_list(account_id))

    def _fresh(self, kind: str, key: int, last: Callable[[], float], run: Callable) -> None:
        if time.time() - last() < self.freshness:
            return
        if time.time() - self._failed_at.get((kind, key), 0.0) < self.freshness:
            return          # Google failed moments ago: serve the cache, don't pile on
        with self._lock(kind, key):
            if time.time() - last() < self.freshness:
                return      # another request synced while we waited
            try:
                run()
                self._failed_at.pop((kind, key), None)
            except GoogleError as exc:
                self._failed_at[(kind, key)] = time.time()
                log.warning("%s sync of %s failed, serving cached data: %s", kind, key, exc)


class LazyRevision:
    """Bump the calendar's revision once per transaction, and only if something changed."""

    def __init__(self, tx: Tx, calendar_id: int):
        self.tx, self.calendar_id, self.value = tx, calendar_id, None

    def get(self) -> int:
        if self.value is None:
            self.value = self.tx.next_revision(self.calendar_id)
        return self.value


def refresh_resource(tx: Tx, calendar_id: int, uid: str, ctx: CalendarContext,
                     revision: LazyRevision, href: str | None = None) -> int:
    """Re-render one resource from its stored Google events; 1 if what clients see changed.
    ``href`` names a new resource (a client's choice); otherwise it follows from the UID."""
    events = tx.google_events_of(calendar_id, uid)
    rendered = render_resource(events, ctx, tx.shadow(calendar_id, uid))
    row = tx.item_by_uid(calendar_id, uid)
    if rendered is None:
        if row is not None and not row.deleted:
            tx.tombstone_item(calendar_id, row.href, revision.get())
            return 1
        return 0
    if row is not None and not row.deleted and row.etag == rendered.etag:
        return 0
    tx.put_item(calendar_id, row.href if row is not None else href or href_for(uid), rendered,
                revision.get(), occurrences.index(events, ctx),
                bounds=occurrences.single_bounds(events, ctx))
    return 1


def render_resource(events: list[dict], ctx: CalendarContext,
                    shadows: dict | None) -> Rendered | None:
    """What clients see of one resource: Google's data plus what they wrote that Google
    cannot hold."""
    rendered = render(events, ctx)
    return shadow.apply(rendered, shadows, ctx.time_zone) if rendered else None


def context(calendar) -> CalendarContext:
    return CalendarContext(time_zone=calendar.time_zone,
                           default_reminders=tuple(json.loads(calendar.default_reminders)))

