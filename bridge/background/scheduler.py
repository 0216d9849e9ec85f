"""Background work on APScheduler: polling fallback, calendar-list refresh, push channel
upkeep and retention pruning.

Every ``tick`` a planning job asks for a sync of each calendar whose interval has passed:
long while a healthy push channel watches it (polling is then only a safety net for dropped
notifications), short while clients are polling it, the base interval otherwise. Syncs run
through a ``SyncQueue``, so they never overlap for one calendar and requests fold together.
A failure affects only its calendar (retried with backoff); a Google rate limit, or a
failure that would hit every calendar of the account (credentials refused, Google not
answering), pauses that whole account, never the others; and one account's syncs get at
most a share of the workers (``SyncQueue``), so its burst cannot hold up the others' syncs.

Several processes may share one database: each runs this scheduler, and every planned sync,
channel upkeep and pruning is claimed through ``store.leases.run_once``, so one of them does
it per period; a push notification syncs in whichever process received it.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from typing import Hashable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from ..google import CredentialsRefused, GoogleError
from ..model import Kind
from ..store import Store, retention
from ..sync import SyncEngine
from .backoff import Backoff, account_wide
from .channels import ChannelManager
from .coalesce import SyncQueue

log = logging.getLogger(__name__)

ACTIVE_WINDOW = 600.0       # a calendar counts as polled by clients this long after a read
PUSH_DELAY = 0.5            # wait this long after a notification: the rest of a burst follows
PRUNE_EVERY = 3600.0
SYNC_CLAIM = 120.0          # a planned sync is this process's for at most this long
UTC = datetime.timezone.utc


@dataclass
class Intervals:
    """Seconds between background syncs, and how long deleted resources are kept."""
    sync: float = 300.0             # a calendar's events, without push
    active: float = 20.0            # ... while clients poll it (keeps their requests fresh)
    push: float = 3600.0            # ... while a healthy push channel watches it
    calendar_list: float = 900.0    # an account's calendar list (push interval with push)
    retention: float = 30 * 86400.0

    def tick(self, channel_ttl: float) -> float:
        shortest = min(self.sync, self.active, self.push, self.calendar_list, channel_ttl / 4)
        return min(5.0, max(0.1, shortest / 4))


class _Aps(BackgroundScheduler):
    """``stop`` shuts down without waiting (see there): the loop may then be half-way
    through its due jobs, whose removal from the cleared store fails; it is ending anyway."""

    def _process_jobs(self):
        try:
            return super()._process_jobs()
        except JobLookupError:
            if self.state == STATE_STOPPED:
                return None
            raise


class Scheduler:
    def __init__(self, store: Store, engine: SyncEngine, channels: ChannelManager,
                 intervals: Intervals, *, channel_ttl: float = 604800.0, workers: int = 4,
                 per_account: int = 2):
        self.store, self.engine, self.channels = store, engine, channels
        self.intervals, self.channel_ttl = intervals, channel_ttl
        # Syncs get their own threads: slow Google answers must not hold up the planning;
        # delayed requests a thread of their own, so they come due while every sync is busy.
        self._executors = {"default": ThreadPoolExecutor(2), "syncs": ThreadPoolExecutor(workers),
                           "timers": ThreadPoolExecutor(1)}
        self.aps = _Aps(
            executors=self._executors,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC)
        # One account gets at most ``per_account`` of the workers: its burst cannot delay
        # the other accounts' syncs by more than the runs already going.
        self.queue = SyncQueue(self.run, self._submit, later=self._later, group=self.account_of,
                               slots=workers, per_group=max(1, min(per_account, workers)))
        self.paused = Backoff(30.0, 3600.0)     # per account: rate limits, account-wide errors
        self.errors = Backoff(10.0, 900.0)      # per (kind, key): other failures
        self._dirty: set[Hashable] = set()      # asked for while its account was paused
        self._signed_out: set[int] = set()      # paused because Google refused the sign-in
        self._reads: dict[int, float] = {}
        self.started = time.time()

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        # "Adding job", "Running job" ... for every tick and sync would drown the log.
        for name in ("apscheduler.scheduler", "apscheduler.executors.default",
                     "apscheduler.executors.syncs", "apscheduler.executors.timers"):
            logging.getLogger(name).setLevel(logging.WARNING)
        now, tick = datetime.datetime.now(UTC), self.intervals.tick(self.channel_ttl)
        self.aps.add_job(self.plan, "interval", seconds=tick, id="plan", next_run_time=now)
        self.aps.add_job(self.maintain_channels, "interval", seconds=tick, id="channels",
                         next_run_time=now)
        self.aps.add_job(self.prune, "interval", seconds=PRUNE_EVERY, id="prune",
                         next_run_time=now + datetime.timedelta(seconds=60))
        self.aps.start()
        # Notifications sent while no process listened are lost, and a stored channel looks
        # healthy all the same: every calendar syncs once at start.
        self._sync_everything_once()
        log.info("background scheduler started (tick %.1f s, push %s)", tick,
                 "on" if self.channels.address else "off")

    def stop(self) -> None:
        if not self.aps.running:
            return
        # APScheduler waits for running jobs while holding the lock add_job takes, and a sync
        # job may be queueing its follow-up: stop without waiting, then wait for the pools.
        self.aps.shutdown(wait=False)
        for executor in self._executors.values():
            executor.shutdown(wait=True)

    @property
    def running(self) -> bool:
        return self.aps.running

    def _submit(self, work, delay: float, executor: str = "syncs") -> None:
        self.aps.add_job(work, "date", executor=executor, misfire_grace_time=None,
                         run_date=datetime.datetime.now(UTC) + datetime.timedelta(seconds=delay))

    def _later(self, work, delay: float) -> None:
        self._submit(work, delay, "timers")

    def account_of(self, key: tuple[Kind, int]) -> int | tuple:
        """The account a sync belongs to (the queue's fairness group)."""
        if Kind(key[0]) is Kind.CALENDAR_LIST:
            return key[1]
        calendar = self.store.calendar(key[1])
        return key if calendar is None else calendar.account_id

    # --- signals ------------------------------------------------------------------------------

    def notify(self, kind: Kind, key: int) -> None:
        """A push notification: the resource changed."""
        self.queue.request((kind, key), PUSH_DELAY)

    def channel_renewed(self, account_id: int) -> None:
        """A renewal's first message arrived: the channel it supersedes is stopped now rather
        than at the next tick (until then Google announces every change on both, and once
        the old one has expired it can no longer be stopped)."""
        self._submit(lambda: self._maintain(account_id), 0.0, "default")

    def client_read(self, calendar_id: int) -> None:
        self._reads[calendar_id] = time.time()

    # --- jobs -----------------------------------------------------------------------------------

    def plan(self) -> None:
        for account in self.store.accounts():
            try:
                self._plan_account(account)
            except Exception:
                log.exception("planning the syncs of account %s failed", account.id)

    def _plan_account(self, account) -> None:
        # An account needing a new sign-in waits for it (bridge/accounts.py said so once);
        # once signed in again, it need not wait out the pause Google's refusal began.
        if account.needs_sign_in:
            return
        if account.id in self._signed_out:
            self._signed_out.discard(account.id)
            self.paused.clear(account.id)
        if self.paused.active(account.id):
            return
        now = time.time()
        every = self.intervals.push if self.channels.healthy(Kind.CALENDAR_LIST, account.id) \
            else self.intervals.calendar_list
        self._request_if_due((Kind.CALENDAR_LIST, account.id), account.list_synced, every, now)
        for calendar in self.store.calendars_of_account(account.id):
            self._request_if_due((calendar.kind, calendar.id), calendar.last_sync,
                                 self.interval(calendar.id, now), now)

    def _sync_everything_once(self) -> None:
        for account in self.store.accounts():
            if not account.needs_sign_in:
                self.queue.request((Kind.CALENDAR_LIST, account.id))
                for calendar in self.store.calendars_of_account(account.id):
                    self.queue.request((calendar.kind, calendar.id))

    def interval(self, calendar_id: int, now: float) -> float:
        if self.channels.healthy(Kind.EVENTS, calendar_id):
            return self.intervals.push
        if now - self._reads.get(calendar_id, 0.0) < ACTIVE_WINDOW:
            return min(self.intervals.active, self.intervals.sync)
        return self.intervals.sync

    def _request_if_due(self, key, last: float, every: float, now: float) -> None:
        # The claim keeps the other processes on the database from queueing the same sync
        # while this one runs; once it is done, its last_sync tells them it is not due.
        if (key in self._dirty or now - last >= every) and not self.errors.active(key) \
                and self.store.leases.run_once(f"sync {Kind(key[0]).value} {key[1]}",
                                               min(every, SYNC_CLAIM)):
            self.queue.request(key)

    def run(self, key: tuple[Kind, int]) -> None:
        """One sync, run by the queue (never twice at once for a key)."""
        kind, ident = Kind(key[0]), key[1]
        if kind is not Kind.CALENDAR_LIST:         # a calendar's events or a task list
            calendar = self.store.calendar(ident)
            if calendar is None or calendar.deleted:
                return
            account_id = calendar.account_id
        else:
            account_id = ident
        if self.paused.active(account_id):
            self._dirty.add(key)        # done once the pause is over
            return
        self._dirty.discard(key)
        try:
            if kind is Kind.CALENDAR_LIST:
                self.engine.sync_calendar_list(ident)
            else:
                self.engine.sync_calendar(ident)
        except GoogleError as exc:
            if not account_wide(exc):
                pause = self.errors.fail(key)
                log.warning("%s sync of %s failed (%s); next try in %.0f s", kind, ident, exc,
                            pause)
                return
            self._dirty.add(key)
            if isinstance(exc, CredentialsRefused):     # marked needs_sign_in already
                self._signed_out.add(account_id)
            pause = self.paused.fail(account_id, exc.retry_after)
            log.warning("account %s: %s; its syncs pause for %.0f s", account_id, exc, pause)
            return
        except Exception:               # a bug, not Google: with its traceback
            pause = self.errors.fail(key)
            log.exception("%s sync of %s failed; next try in %.0f s", kind, ident, pause)
            return
        self.errors.clear(key)
        self.paused.clear(account_id)
        if kind is Kind.CALENDAR_LIST:
            self._after_list_sync(account_id)

    def _after_list_sync(self, account_id: int) -> None:
        """New calendars get their first sync and a channel now, removed ones lose theirs,
        rather than at the next tick."""
        for calendar in self.store.calendars_of_account(account_id):
            if not calendar.last_sync:
                self.queue.request((calendar.kind, calendar.id))
        self._maintain(account_id)

    def maintain_channels(self) -> None:
        accounts = self.store.accounts()
        tick = self.intervals.tick(self.channel_ttl)    # one process per tick does each
        for account in accounts:
            if not account.needs_sign_in and \
                    self.store.leases.run_once(f"channels {account.id}", tick):
                self._maintain(account.id)
        try:
            if self.store.leases.run_once("channels orphans", tick):
                self.channels.drop_orphans({a.id for a in accounts})
        except Exception:
            log.exception("dropping the channels of unlinked accounts failed")

    def _maintain(self, account_id: int) -> None:
        if self.paused.active(account_id):
            return
        try:
            # Also after a list sync, in whichever process: one upkeep per account at a time.
            with self.store.leases.exclusive(Kind.CALENDAR_LIST, account_id):
                self.channels.maintain(account_id)
        except GoogleError as exc:
            if account_wide(exc):
                pause = self.paused.fail(account_id, exc.retry_after)
                log.warning("account %s: %s; pausing it for %.0f s", account_id, exc, pause)
            else:
                log.warning("push channels of account %s: %s", account_id, exc)
        except Exception:               # the next upkeep tries again
            log.exception("push channels of account %s", account_id)

    def prune(self) -> None:
        if not self.store.leases.run_once("prune", PRUNE_EVERY):
            return                      # another process on the database prunes this hour
        cutoff = time.time() - self.intervals.retention
        for account in self.store.accounts():
            for calendar in self.store.calendars_of_account(account.id):
                try:
                    dropped = retention.prune(self.store, calendar.id, cutoff)
                except Exception:
                    log.exception("pruning calendar %s failed", calendar.id)
                    continue
                if dropped:
                    log.info("pruned %d deleted resources of calendar %s", dropped,
                             calendar.id)
