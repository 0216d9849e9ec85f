"""The sync engine: Google → local store, in three steps per watched thing.

1. *Feed* (bridge/google): calendar list in full each time (cheap, and incremental lists miss
   renames and zone changes); events in full once, then incremental with the stored
   ``nextSyncToken``; a 410 leads to a full re-list.
2. *Materialise* (``materialise``): render each touched resource, outside any transaction.
3. *Mirror* (``mirror``): one transaction stores Google's events, the changed resources and
   the new sync token together, diffed by ETag so clients see only real changes. An
   incremental burst is stored ``BATCH`` resources per transaction, the token with the last
   one: thousands of changes in one account would otherwise hold the store's writer for
   seconds, and every other account's client writes with it. (A crash between batches
   leaves the old token: the next sync applies them again, unchanged ones as no change.)

Each sync of a calendar (and each client write to it, see bridge/write) runs under the
calendar's exclusive lease (bridge/store/leases.py): two syncs never overlap, an older
listing is never committed after a newer one, and a write and a sync are ordered.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from typing import Callable, Iterator

from ..google import (GoogleClient, GoogleError, QuotaExceeded, RateLimited, SyncTokenInvalid,
                      calendar_list)
from ..google import events as google_events
from ..model import Calendar, Kind
from ..store import Store
from . import mirror
from .freshness import BoundedWait
from .materialise import View, context, materialise
from .resources import group_by_uid, is_deleted, uid_of
from .tasks import TaskSync

log = logging.getLogger(__name__)
BATCH = 500             # resources per write transaction of an incremental sync

Observer = Callable[[Kind, int, float, "Exception | None"], None]


class SyncEngine:
    def __init__(self, store: Store, client_for: Callable[[int], GoogleClient], *,
                 freshness: float = 30.0, clock: Callable[[], float] = time.time):
        self.store, self.client_for = store, client_for
        self.freshness, self.clock = freshness, clock
        self._failed_at: dict[tuple[Kind, int], float] = {}
        # Hooks for push and metrics: ``push_healthy(kind, key)`` says a live push channel
        # watches the thing (request-driven syncs are then unnecessary; asked only once the
        # freshness window has passed), ``client_read(kind, key)`` hears of every client
        # request's look; each observer is called after every sync attempt.
        self.push_healthy: Callable[[Kind, int], bool] = lambda kind, key: False
        self.client_read: Callable[[Kind, int], None] = lambda kind, key: None
        self.observers: list[Observer] = []
        self.tasks = TaskSync(store, client_for, clock=clock)
        self.refreshes = BoundedWait()      # how long a request waits for Google
        self._held = threading.local()      # leases this thread holds through lease()
        # Things whose last sync failed (not for a rate limit): a push channel may have
        # announced a change the store lacks, so requests stop trusting the channel until a
        # sync succeeds, instead of waiting out the account's pause.
        self._unsynced: set[tuple[Kind, int]] = set()

    # --- calendar list --------------------------------------------------------------------------

    def sync_calendar_list(self, account_id: int) -> list[int]:
        """Mirror the account's calendar list and task lists; returns the ids of their
        collections."""
        return self._run(Kind.CALENDAR_LIST, account_id,
                         lambda: self._sync_calendar_list(account_id))

    def _sync_calendar_list(self, account_id: int) -> list[int]:
        account = self.store.account(account_id)
        entries = calendar_list.list_calendars(self.client_for(account_id))
        seen, rerender = [], []
        with self.store.write() as tx:
            for entry in entries:
                if entry.get("deleted"):
                    continue
                fields = _calendar_fields(entry)
                before = tx.calendar_row(account_id, entry["id"])
                calendar_id = tx.upsert_calendar(account_id, account.user_id, entry["id"],
                                                 **fields)
                if before is not None and (before.time_zone, before.default_reminders) != (
                        fields["time_zone"], fields["default_reminders"]):
                    rerender.append(calendar_id)
                seen.append(calendar_id)
            for row in self.store.calendars_of_account(account_id):
                if row.kind is Kind.EVENTS and row.id not in seen:
                    log.info("calendar %s left account %s", row.id, account.id)
                    tx.forget_calendar(row.id)
            tx.set_account(account_id, list_synced=self.clock(), last_error=None)
        for calendar_id in rerender:
            self.rerender(calendar_id)
        return seen + self.tasks.sync_lists(account_id)

    # --- events -----------------------------------------------------------------------------------

    def sync_calendar(self, calendar_id: int) -> int:
        """Bring one calendar (or task list) up to date; answers how many resources changed
        for clients."""
        if self.kind_of(calendar_id) is Kind.TASKS:
            return self._run(Kind.TASKS, calendar_id, lambda: self.tasks.sync_list(calendar_id))
        return self._run(Kind.EVENTS, calendar_id, lambda: self._sync_events(calendar_id))

    def kind_of(self, calendar_id: int) -> Kind:
        calendar = self.store.calendar(calendar_id)
        return calendar.kind if calendar is not None else Kind.EVENTS

    @contextlib.contextmanager
    def lease(self, calendar_id: int) -> Iterator[None]:
        """The collection's exclusive lease (syncs and client writes of it), remembered for
        this thread: a freshness check inside then syncs inline instead of waiting on a
        helper thread for the lease this thread holds."""
        key = (self.kind_of(calendar_id), calendar_id)
        held = self._held.__dict__.setdefault("keys", [])
        with self.store.leases.exclusive(*key):
            held.append(key)
            try:
                yield
            finally:
                held.remove(key)

    def _run(self, kind: Kind, key: int, work: Callable):
        started, error = time.monotonic(), None
        try:
            with self.store.leases.exclusive(kind, key):
                result = work()
            self._unsynced.discard((kind, key))
            return result
        except Exception as exc:
            error = exc
            if not isinstance(exc, (RateLimited, QuotaExceeded)):
                self._unsynced.add((kind, key))
            raise
        finally:
            for observer in self.observers:
                observer(kind, key, time.monotonic() - started, error)

    def _sync_events(self, calendar_id: int) -> int:
        calendar = self.store.calendar(calendar_id)
        client = self.client_for(calendar.account_id)
        if calendar.sync_token:
            try:
                events, token = google_events.list_events(client, calendar.google_id,
                                                          calendar.sync_token)
                return self._apply_incremental(calendar, events, token)
            except SyncTokenInvalid:
                log.info("sync token of calendar %s expired; re-listing in full", calendar.id)
        events, token = google_events.list_events(client, calendar.google_id)
        return self._apply_full(calendar, events, token)

    def _apply_full(self, calendar: Calendar, events: list[dict], token: str | None) -> int:
        ctx, groups = context(calendar), group_by_uid(events)
        kept = self.store.shadows(calendar.id)
        existing = {uid: mirror.Existing(href, etag, False)
                    for uid, (href, etag) in self.store.item_etags(calendar.id).items()}
        views: dict[str, View | None] = {uid: None for uid in existing}
        views.update((uid, materialise(group, ctx, kept.get(uid)))
                     for uid, group in groups.items())
        with self.store.write() as tx:
            tx.clear_google_events(calendar.id)
            # Looked at only now that this transaction holds the database's write lock:
            # another process on the file (``gcaldav link`` beside a server) may have
            # stored the calendar's first rows while this one listed and rendered.
            new_calendar = not self.store.has_rows(calendar.id)   # not even tombstones
            for uid, group in groups.items():
                for event in group:
                    tx.add_google_event(calendar.id, event, uid)
            changed = mirror.commit(tx, calendar.id, views, existing, new_calendar=new_calendar)
            tx.set_calendar(calendar.id, sync_token=token, last_sync=self.clock(),
                            last_error=None)
        return changed

    def _apply_incremental(self, calendar: Calendar, events: list[dict],
                           token: str | None) -> int:
        known = self.store.event_uids(calendar.id, {e["id"] for e in events} | {
            e["recurringEventId"] for e in events if "recurringEventId" in e})
        # Two passes: Google's order is unspecified, and a minimal instance tombstone may
        # come before its (new) series' master.
        known.update((e["id"], e["iCalUID"]) for e in events if e.get("iCalUID"))
        touched: dict[str, dict | None] = {}         # event id -> event, None = deleted
        owner: dict[str, str] = {}                   # event id -> uid
        for event in events:
            uid = uid_of(event, known)
            if uid is None:
                continue            # a tombstone of something we never had
            owner[event["id"]] = uid
            touched[event["id"]] = None if is_deleted(event) else event
        uids = sorted(set(owner.values()))
        stored = self.store.google_events_by_uid(calendar.id, uids)
        groups = {uid: {e["id"]: e for e in stored.get(uid, [])} for uid in uids}
        for event_id, event in list(touched.items()):
            group = groups[owner[event_id]]
            group.pop(event_id, None)
            if event is not None:
                group[event_id] = event
            else:
                # A deleted series takes its instances along: a later series with the same
                # UID must not inherit their exceptions.
                for other in [e for e in group.values() if e.get("recurringEventId") == event_id]:
                    group.pop(other["id"])
                    touched[other["id"]], owner[other["id"]] = None, owner[event_id]
        views = self._views(calendar, {uid: list(g.values()) for uid, g in groups.items()})
        batches = [uids[n:n + BATCH] for n in range(0, len(uids), BATCH)] or [[]]
        ids_of: dict[str, list[str]] = {}
        for event_id in touched:
            ids_of.setdefault(owner[event_id], []).append(event_id)
        changed = 0
        for n, batch in enumerate(batches):
            with self.store.write() as tx:
                for event_id in (i for uid in batch for i in ids_of.get(uid, [])):
                    if touched[event_id] is None:
                        tx.delete_google_event(calendar.id, event_id)
                    else:
                        tx.put_google_event(calendar.id, touched[event_id], owner[event_id])
                changed += mirror.commit(tx, calendar.id, {u: views[u] for u in batch},
                                         self._existing(calendar.id, batch))
                if n == len(batches) - 1:
                    tx.set_calendar(calendar.id, sync_token=token, last_sync=self.clock(),
                                    last_error=None)
            time.sleep(0)       # a writer waiting on SQLite's lock gets its turn in between
        return changed

    def _views(self, calendar: Calendar, groups: dict[str, list[dict]]) -> dict[str, View | None]:
        ctx, kept = context(calendar), self.store.shadows(calendar.id, groups)
        return {uid: materialise(events, ctx, kept.get(uid)) for uid, events in groups.items()}

    def _existing(self, calendar_id: int, uids) -> dict[str, mirror.Existing]:
        return {uid: mirror.Existing(*row)
                for uid, row in self.store.item_hrefs_by_uid(calendar_id, uids).items()}

    def materialise_resources(self, calendar: Calendar, uids: list[str],
                              hrefs: dict[str, str] | None = None) -> int:
        """Re-render resources from stored Google data and commit what changed (the caller
        holds the calendar's lease). ``hrefs``: where client-created resources live."""
        stored = self.store.google_events_by_uid(calendar.id, uids)
        views = self._views(calendar, {uid: stored.get(uid, []) for uid in uids})
        with self.store.write() as tx:
            return mirror.commit(tx, calendar.id, views, self._existing(calendar.id, uids),
                                 hrefs=hrefs)

    def store_write(self, calendar: Calendar, uid: str, answers: list[dict],
                    kept: dict | None, href: str) -> None:
        """After a client's write: Google's answers, what the client wrote that Google cannot
        hold, and the resource at the client's ``href``, in one transaction (the caller
        holds the calendar's lease)."""
        events = {e["id"]: e for e in self.store.google_events_by_uid(calendar.id, [uid])
                  .get(uid, [])}
        events.update((e["id"], e) for e in answers)
        view = materialise(list(events.values()), context(calendar), kept)
        with self.store.write() as tx:
            for event in answers:
                tx.put_google_event(calendar.id, event, uid)
            tx.set_shadow(calendar.id, uid, kept)
            mirror.commit(tx, calendar.id, {uid: view}, self._existing(calendar.id, [uid]),
                          hrefs={uid: href})

    def store_removal(self, calendar: Calendar, uid: str) -> None:
        """After a client's delete reached Google: the resource becomes a tombstone."""
        with self.store.write() as tx:
            tx.delete_google_events_of(calendar.id, uid)
            tx.set_shadow(calendar.id, uid, None)
            mirror.commit(tx, calendar.id, {uid: None}, self._existing(calendar.id, [uid]))

    def settle(self, calendar_id: int) -> None:
        """Sync after a client's write, picking up what Google derived from it (cancelled
        instances, sequence, subtasks moved along); a failure leaves it to the next sync."""
        try:
            self.sync_calendar(calendar_id)
        except GoogleError as exc:
            log.warning("sync after a write to collection %s failed: %s", calendar_id, exc)

    def rerender(self, calendar_id: int) -> int:
        """Re-render every resource from stored Google data (the calendar's zone or default
        reminders changed); only resources whose text changes get a new revision."""
        with self.store.leases.exclusive(Kind.EVENTS, calendar_id):
            calendar = self.store.calendar(calendar_id)
            uids = sorted({r.uid for r in self.store.google_events(calendar_id)})
            return self.materialise_resources(calendar, uids)

    # --- freshness ----------------------------------------------------------------------------

    def ensure_fresh(self, calendar_id: int, row: Calendar | None = None) -> bool:
        """Sync the calendar first if its last sync is older than the freshness window (and no
        healthy push channel watches it). Concurrent callers share one sync; if Google fails,
        the cache is served (logged). ``row``: the calendar as just read (spares reading it
        again). True if a sync was attempted."""
        row = row or self.store.calendar(calendar_id)
        if row is None:
            return False
        first = [row.last_sync]       # the first look uses the row in hand, later ones re-read

        def last() -> float:
            return first.pop() if first else self.store.calendar(calendar_id).last_sync
        return self._fresh(row.kind, calendar_id, last, lambda: self.sync_calendar(calendar_id))

    def ensure_list_fresh(self, account_id: int) -> None:
        self._fresh(Kind.CALENDAR_LIST, account_id,
                    lambda: self.store.account(account_id).list_synced,
                    lambda: self.sync_calendar_list(account_id))

    def _fresh(self, kind: Kind, key: int, last: Callable[[], float], run: Callable) -> bool:
        self.client_read(kind, key)
        if self.clock() - last() < self.freshness:
            return False    # fresh: no need to ask about push (a query) either
        if self.push_healthy(kind, key) and (kind, key) not in self._unsynced:
            return False
        if self.clock() - self._failed_at.get((kind, key), 0.0) < self.freshness:
            return False    # Google failed moments ago: serve the cache, don't pile on
        if (kind, key) in getattr(self._held, "keys", ()):
            self._refresh(kind, key, last, run)     # this thread holds the lease already
        elif not self.refreshes.run((kind, key), lambda: self._refresh(kind, key, last, run)):
            log.info("%s sync of %s is slow; serving stored data meanwhile", kind, key)
        return True

    def _refresh(self, kind: Kind, key: int, last: Callable[[], float], run: Callable) -> None:
        with self.store.leases.exclusive(kind, key):
            if self.clock() - last() < self.freshness:
                return      # another request synced while we waited
            try:
                run()
                self._failed_at.pop((kind, key), None)
            except GoogleError as exc:
                self._failed_at[(kind, key)] = self.clock()
                log.warning("%s sync of %s failed, serving cached data: %s", kind, key, exc)


def _calendar_fields(entry: dict) -> dict:
    return dict(summary=entry.get("summary", ""), summary_override=entry.get("summaryOverride"),
                description=entry.get("description", ""),
                time_zone=entry.get("timeZone") or "UTC", color=entry.get("backgroundColor"),
                access_role=entry.get("accessRole", "reader"),
                selected=bool(entry.get("selected")) and not entry.get("hidden"),
                default_reminders=json.dumps(entry.get("defaultReminders", []), sort_keys=True))
