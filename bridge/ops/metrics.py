"""Prometheus metrics of one bridge (prometheus-client, a registry of its own).

No personal data in any label: calendars and accounts appear as internal numeric ids, never
names, Google ids or e-mail addresses; CalDAV requests are counted by method and status only
(paths carry user names). Label values come from small fixed sets so a client cannot blow up
the number of series.
"""

from __future__ import annotations

import math
import time
from typing import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ..model import Kind

from ..store import Store
from ..store import channels as stored_channels

CALDAV_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "POST", "OPTIONS", "PROPFIND",
                            "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR", "MOVE", "COPY"})


class Metrics:
    """``skipped()`` counts the resources sync left out as unrenderable (poison.skipped)."""

    def __init__(self, store: Store, skipped: Callable[[], int] = lambda: 0):
        self.registry = CollectorRegistry()
        self.google_calls = Counter(
            "gcaldav_google_calls", "Google API requests by method and outcome "
            "(ok, the HTTP status, or no_answer)", ["method", "outcome"], registry=self.registry)
        self.sync_seconds = Histogram(
            "gcaldav_sync_duration_seconds", "Duration of syncs from Google (kind: events or "
            "list)", ["kind", "outcome"], registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
        self.notifications = Counter(
            "gcaldav_push_notifications", "Push notifications received, accepted or refused "
            "(with the reason)", ["outcome", "reason"], registry=self.registry)
        self.caldav_requests = Counter(
            "gcaldav_caldav_requests", "CalDAV requests by method and HTTP status",
            ["method", "status"], registry=self.registry)
        self.budget_throttled = Counter(
            "gcaldav_google_budget_throttled", "Google calls held back by the account's call "
            "budget (waited: sent late; refused: not sent, the account pauses)",
            ["account", "outcome"], registry=self.registry)
        self.registry.register(_StoreCollector(store))
        self.registry.register(_SkippedCollector(skipped))

    # --- hooks ----------------------------------------------------------------------------------

    def observe_call(self, method: str, outcome: str, seconds: float) -> None:
        self.google_calls.labels(method or "unknown", outcome).inc()

    def observe_budget(self, account_id: int, outcome: str, seconds: float) -> None:
        self.budget_throttled.labels(str(account_id), outcome).inc()

    def observe_sync(self, kind: Kind, key: int, seconds: float,
                     error: Exception | None) -> None:
        outcome = "ok" if error is None else type(error).__name__
        self.sync_seconds.labels(kind, outcome).observe(seconds)

    def notification(self, accepted: bool, reason: str) -> None:
        self.notifications.labels("accepted" if accepted else "refused", reason).inc()

    def caldav_request(self, method: str, status: int) -> None:
        method = method.upper() if method.upper() in CALDAV_METHODS else "OTHER"
        self.caldav_requests.labels(method, str(status)).inc()

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _StoreCollector:
    """Values read from the store at scrape time: sync lag, account states and push channels."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time):
        self.store, self.clock = store, clock

    def describe(self):
        return []       # collected lazily: no store query when the collector is registered

    def collect(self):
        now = self.clock()
        lag = GaugeMetricFamily("gcaldav_sync_lag_seconds", "Seconds since the calendar's "
                                "last successful sync (+Inf: never)", labels=["calendar"])
        list_lag = GaugeMetricFamily("gcaldav_calendar_list_lag_seconds", "Seconds since the "
                                     "account's calendar list was last synced",
                                     labels=["account"])
        for account in self.store.accounts():
            list_lag.add_metric([str(account.id)], _age(now, account.list_synced))
            for calendar in self.store.calendars_of_account(account.id):
                lag.add_metric([str(calendar.id)], _age(now, calendar.last_sync))
        states = GaugeMetricFamily("gcaldav_accounts", "Linked Google accounts by sign-in "
                                   "state (needs_sign_in: Google refused the credentials)",
                                   labels=["state"])
        counts = {"ok": 0, "needs_sign_in": 0}
        for account in self.store.accounts():
            counts[account.state] = counts.get(account.state, 0) + 1
        for state, count in sorted(counts.items()):
            states.add_metric([state], count)
        channels = GaugeMetricFamily("gcaldav_push_channels", "Stored push channels by state",
                                     labels=["state"])
        counts = {"pending": 0, "active": 0, "retired": 0}
        for row in stored_channels.all_channels(self.store):
            counts[row.state] = counts.get(row.state, 0) + 1
        for state, count in sorted(counts.items()):
            channels.add_metric([state], count)
        return [lag, list_lag, states, channels]


class _SkippedCollector:
    """Resources skipped because the bridge cannot render them, read at scrape time."""

    def __init__(self, skipped: Callable[[], int]):
        self.skipped = skipped

    def describe(self):
        return []

    def collect(self):
        skipped = CounterMetricFamily(
            "gcaldav_resources_skipped", "Resources left out of a calendar because the "
            "bridge cannot render them (logged with their ids), since the process started")
        skipped.add_metric([], self.skipped())
        return [skipped]


def _age(now: float, then: float) -> float:
    return max(0.0, now - then) if then else math.inf
