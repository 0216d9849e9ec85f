"""Push channels at Google: create, renew and stop them.

Wanted per account: with a push address, one live channel on its calendar list and one on each
of its calendars; without an address, none. ``maintain(account_id)`` moves towards that state.
A channel is renewed (a new one created; Google has no renewal) once three quarters of its life
have passed; the old one is stopped only after the new one has proved it delivers (its ``sync``
message arrived), so there is never a gap. Channels of removed calendars, of unlinked accounts
and to an outdated address are stopped.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from collections import defaultdict
from typing import Callable

from ..google import GoogleClient, GoogleError, NotFound
from ..model import Kind
from ..store import Store
from ..store import channels as stored
from .backoff import Backoff, account_wide

log = logging.getLogger(__name__)

PENDING_TIMEOUT = 300.0         # a watch whose answer never came: drop the row (no resource id,
                                # so it cannot be stopped; it expires at Google by itself)
UNSUPPORTED_RETRY = 86400.0     # Google will not watch some calendars; ask again a day later
UNCONFIRMED_WARNING = 60.0      # no message this long after a watch: push_url is unreachable?


class ChannelManager:
    def __init__(self, store: Store, client_for: Callable[[int], GoogleClient],
                 address: str | None, *, ttl: float = 604800.0, renew_fraction: float = 0.75,
                 clock: Callable[[], float] = time.time):
        self.store, self.client_for, self.address = store, client_for, address
        self.ttl, self.renew_fraction, self.clock = ttl, renew_fraction, clock
        self._retry = Backoff(30.0, 3600.0, clock)
        self._warned: set[str] = set()
        self._lock = threading.Lock()       # one upkeep at a time: no duplicate watches

    def healthy(self, kind: Kind, key: int) -> bool:
        """A confirmed live channel watches the resource (calendar id, or account id for the
        calendar list): changes will be announced, polling Google is unnecessary."""
        return self.address is not None and stored.healthy(self.store, kind, key, self.address)

    def maintain(self, account_id: int) -> None:
        """Watch, renew and stop the account's channels. Account-wide Google errors (rate
        limits, credentials) propagate: the caller pauses the account; other failures affect
        only their resource."""
        with self._lock:
            wanted = set()
            if self.address:
                wanted = {(Kind.CALENDAR_LIST, account_id)} | {
                    (Kind.EVENTS, c.id) for c in self.store.calendars_of_account(account_id)
                    if c.kind is Kind.EVENTS}      # task lists have no push: polled
            groups = defaultdict(list)
            for row in stored.of_account(self.store, account_id):
                groups[watched(row)].append(row)
            for key in sorted(wanted):
                self._keep_one(account_id, key, groups.pop(key, []))
            for rows in groups.values():        # removed calendars, or push switched off
                for row in rows:
                    self._stop(account_id, row)

    def drop_orphans(self, account_ids: set[int]) -> None:
        """Stop (if still possible) and forget the channels of accounts no longer linked."""
        with self._lock:
            for row in stored.all_channels(self.store):
                if row.account_id not in account_ids:
                    self._stop(row.account_id, row, best_effort=True)

    # --- one resource -----------------------------------------------------------------------

    def _keep_one(self, account_id: int, key: tuple[str, int], rows: list) -> None:
        now = self.clock()
        live = []
        for row in rows:
            if row.state == "retired" or row.address != self.address:
                self._stop(account_id, row)
            elif row.state == "pending":
                if now - row.created > PENDING_TIMEOUT:
                    stored.delete(self.store, row.id)
            elif row.expiration <= now:
                stored.delete(self.store, row.id)       # Google has dropped it already
            else:
                live.append(row)
                self._warn_if_silent(row, now)
        fresh = [r for r in live if now < self._renew_due(r)]
        if not fresh:
            self._watch(account_id, key)
            return
        proven = [r for r in fresh if r.confirmed]
        if proven:
            newest = max(proven, key=lambda r: r.created)
            for row in live:
                if row.id != newest.id:
                    self._stop(account_id, row)         # superseded by a renewal

    def _renew_due(self, row) -> float:
        return row.created + (row.expiration - row.created) * self.renew_fraction

    def _watch(self, account_id: int, key: tuple[Kind, int]) -> None:
        if self._retry.active(key):
            return
        kind, ident = key
        channel_id, token = uuid.uuid4().hex, secrets.token_urlsafe(32)
        # Stored before asking Google: the sync message may arrive before the watch answer.
        stored.add(self.store, channel_id=channel_id, token=token, kind=kind,
                   account_id=account_id, calendar_id=None if kind.per_account else ident,
                   address=self.address, created=self.clock())
        body = {"id": channel_id, "type": "web_hook", "address": self.address, "token": token,
                "expiration": int((self.clock() + self.ttl) * 1000),
                "params": {"ttl": str(max(1, round(self.ttl)))}}
        try:
            answer = self._call_watch(account_id, kind, ident, body)
        except GoogleError as exc:
            stored.delete(self.store, channel_id)
            if account_wide(exc):
                raise
            unsupported = exc.reason == "pushNotSupportedForRequestedResource"
            pause = self._retry.fail(key, UNSUPPORTED_RETRY if unsupported else None)
            log.warning("cannot watch %s %s: %s; trying again in %.0f s", kind, ident, exc, pause)
            return
        except BaseException:
            stored.delete(self.store, channel_id)
            raise
        expiration = int(answer.get("expiration") or 0) / 1000 or self.clock() + self.ttl
        stored.activate(self.store, channel_id, answer.get("resourceId") or "", expiration)
        self._retry.clear(key)
        log.info("push channel %s watches %s %s for %.0f s", channel_id, kind, ident,
                 expiration - self.clock())

    def _call_watch(self, account_id: int, kind: Kind, ident: int, body: dict) -> dict:
        client = self.client_for(account_id)
        # No retry after a lost answer: the retry would reuse the id and fail as not unique.
        if kind is Kind.CALENDAR_LIST:
            return client.call(lambda s: s.calendarList().watch(body=body),
                               retry_connection_errors=False)
        google_id = self.store.calendar(ident).google_id
        return client.call(lambda s: s.events().watch(calendarId=google_id, body=body),
                           retry_connection_errors=False)

    def _stop(self, account_id: int, row, *, best_effort: bool = False) -> None:
        if row.state != "retired":
            stored.retire(self.store, row.id)   # from now on its notifications are refused
        if not row.resource_id or row.expiration <= self.clock():
            stored.delete(self.store, row.id)   # nothing Google could stop
            return
        try:
            self.client_for(account_id).call(lambda s: s.channels().stop(
                body={"id": row.id, "resourceId": row.resource_id}))
        except NotFound:
            pass                                # already gone at Google
        except Exception as exc:
            if best_effort:
                log.info("push channel %s of an unlinked account forgotten without stopping "
                         "it (%s); Google ends it within %.0f s", row.id, exc,
                         row.expiration - self.clock())
                stored.delete(self.store, row.id)
                return
            if account_wide(exc):
                raise
            log.warning("stopping push channel %s failed (%s); trying again later", row.id, exc)
            return
        stored.delete(self.store, row.id)
        log.info("stopped push channel %s (%s %s)", row.id, row.kind, watched(row)[1])

    def _warn_if_silent(self, row, now: float) -> None:
        if not row.confirmed and now - row.created > UNCONFIRMED_WARNING \
                and row.id not in self._warned:
            self._warned.add(row.id)
            log.warning("no notification arrived on push channel %s in %.0f s: is push_url "
                        "%s reachable from Google? Polling meanwhile.", row.id,
                        now - row.created, self.address)


def watched(row) -> tuple[Kind, int]:
    """What a stored channel watches: its kind and the calendar's or the account's id."""
    kind = Kind(row.kind)
    return kind, row.account_id if kind.per_account else row.calendar_id
