"""Fairness between accounts, on a real Bridge against the emulator over HTTP: one account's
burst of slow or rate-limited syncs never takes every sync worker, so another account's
change reaches the store within a bound; and each account's Google calls stay within its
budget, the one over it paused alone, with a metric and one log line."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import wait_for

from bridge.background.channels import ChannelManager
from bridge.background.scheduler import Intervals, Scheduler
from bridge.model import Kind
from bridge.service import Bridge
from bridge.settings import Settings
from bridge.sync import engine as engine_module

NOISY_CALENDARS = 9
SLOW = 3.0              # seconds each of the noisy account's event lists takes


@pytest.fixture
def settings(emulator, tmp_path):
    return Settings(data_dir=str(tmp_path / "data"), freshness=3600,
                    google_api_endpoint=emulator.emulator.api_url,
                    google_token_uri=emulator.emulator.token_url, google_calls_per_minute=0)


@pytest.fixture
def accounts(settings, new_account, control, tmp_path):
    """(noisy account info, quiet account info, noisy id, quiet id), linked in a first
    bridge without a budget, so the link itself is not throttled."""
    noisy, quiet = new_account("noisy"), new_account("quiet")
    for n in range(NOISY_CALENDARS - 1):
        control.post("/calendars", {"owner": noisy["account"], "summary": f"Team {n}"})
    linker = Bridge(settings)
    ids = []
    for info in (noisy, quiet):
        path = tmp_path / f"{info['account']}.json"
        path.write_text(json.dumps(info))
        ids.append(linker.link(info["account"].split("@")[0], str(path)))
    return noisy, quiet, *ids


def scheduler_for(bridge: Bridge, **kwargs) -> Scheduler:
    scheduler = Scheduler(bridge.store, bridge.engine,
                          ChannelManager(bridge.store, bridge.client_for, None),
                          Intervals(sync=3600, calendar_list=3600), **kwargs)
    bridge.scheduler = scheduler
    return scheduler


class Runs:
    """The engine's observer: each sync's account and when it ran (monotonic seconds)."""

    def __init__(self, bridge: Bridge):
        self.bridge, self.lock, self.spans = bridge, threading.Lock(), []
        bridge.engine.observers.append(self)

    def __call__(self, kind, key, seconds, error):
        end = time.monotonic()
        account = key if Kind(kind) is Kind.CALENDAR_LIST \
            else self.bridge.store.calendar(key).account_id
        with self.lock:
            self.spans.append((account, key, end - seconds, end))

    def ended(self, account: int) -> int:
        with self.lock:
            return sum(1 for a, *_ in self.spans if a == account)

    def most_at_once(self, account: int) -> int:
        with self.lock:
            edges = sorted(edge for a, _, start, end in self.spans if a == account
                           for edge in ((start, 1), (end, -1)))
        most = running = 0
        for _, step in edges:
            running += step
            most = max(most, running)
        return most


def quiet_change(control, bridge, quiet, quiet_cal):
    """A Google-side change in the quiet account: (event id, is it in the store yet?)."""
    event = control.post(f"/calendars/{quiet['account']}/events", {
        "summary": "quiet", "start": {"dateTime": "2026-07-01T09:00:00Z"},
        "end": {"dateTime": "2026-07-01T10:00:00Z"}})
    return lambda: any(event["id"] in item.href or event["iCalUID"].split("@")[0] in item.href
                       for item in bridge.store.all_items(quiet_cal))


@pytest.mark.parametrize("burst", ["slow answers", "rate limited"])
def test_one_accounts_burst_leaves_workers_to_the_others(settings, accounts, control, burst):
    noisy, quiet, noisy_id, quiet_id = accounts
    bridge = Bridge(settings)
    try:
        noisy_cals = [c for c in bridge.store.calendars_of_account(noisy_id)]
        quiet_cal = bridge.store.calendars_of_account(quiet_id)[0].id
        for calendar in noisy_cals:
            fault = {"kind": "delay", "seconds": SLOW} if burst == "slow answers" else {
                "kind": "error", "status": 429, "reason": "rateLimitExceeded",
                "retry_after": int(SLOW)}     # the client waits it out inside the sync
            control.post("/faults", {**fault, "method": "events.list",
                                     "calendar": calendar.google_id})
        visible = quiet_change(control, bridge, quiet, quiet_cal)
        scheduler = scheduler_for(bridge, workers=4, per_account=2)
        runs = Runs(bridge)
        started = time.monotonic()
        scheduler.start()       # every calendar of both accounts is asked for at once
        wait_for(visible, 3 * SLOW, "the quiet account's change")
        latency = time.monotonic() - started
        print(f"{burst}: the quiet account's change in the store after {latency:.2f} s")
        # Nine slow syncs on four FIFO workers would keep it waiting at least one SLOW.
        assert latency < SLOW, latency
        assert runs.ended(noisy_id) < NOISY_CALENDARS      # the burst was still going
        wait_for(lambda: runs.ended(noisy_id) >= 4, 3 * SLOW, "more of the burst")
        assert runs.most_at_once(noisy_id) == 2             # its share, never more
    finally:
        bridge.stop_background()


def budget_samples(bridge: Bridge) -> dict:
    body, _ = bridge.metrics_page()
    return {(s.labels.get("account"), s.labels.get("outcome")): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples if s.name == "gcaldav_google_budget_throttled_total"}


def test_an_account_over_its_google_budget_waits_then_pauses_alone(
        settings, accounts, control, caplog):
    noisy, quiet, noisy_id, quiet_id = accounts
    per_minute = 6.0        # a bucket of 6 calls, one more every 10 s
    settings.google_calls_per_minute = per_minute
    bridge = Bridge(settings)
    try:
        bridge.budgets.max_wait = 2.0
        quiet_cal = bridge.store.calendars_of_account(quiet_id)[0].id
        visible = quiet_change(control, bridge, quiet, quiet_cal)
        control.post("/stats/reset")
        scheduler = scheduler_for(bridge, workers=4, per_account=2)
        caplog.set_level(logging.WARNING, "bridge.google.budget")
        started = time.monotonic()
        scheduler.start()
        wait_for(visible, 10, "the quiet account's change")
        wait_for(lambda: scheduler.paused.active(noisy_id), 5, "the noisy account's pause")
        elapsed = time.monotonic() - started
        calls = sum(control.calls().values()) - control.calls().get("oauth.token", 0)
        quiet_calls = 2         # its calendar list and its calendar
        # The noisy account asked for ten lists; its bucket let six through (plus what
        # refilled meanwhile), then refused the rest without sending them.
        assert calls <= per_minute + elapsed * per_minute / 60 + quiet_calls, calls
        assert not scheduler.paused.active(quiet_id)
        throttled = budget_samples(bridge)
        assert throttled.get((str(noisy_id), "refused"), 0) >= 1
        assert not any(account == str(quiet_id) for account, _ in throttled)
        lines = [r for r in caplog.records if "over its budget" in r.getMessage()]
        assert len(lines) == 1 and f"account {noisy_id} " in lines[0].getMessage()
        assert noisy["account"] not in caplog.text     # ids only, no address
        stale = [c for c in bridge.store.calendars_of_account(noisy_id)
                 if "budget" in (c.last_error or "") or "budget" in
                 (bridge.store.account(noisy_id).last_error or "")]
        assert stale, "the refusal is recorded as the account's or a calendar's last error"
    finally:
        bridge.stop_background()


def test_a_burst_of_google_changes_is_stored_in_batches(settings, accounts, control,
                                                        monkeypatch):
    """Thousands of changes in one account must not hold the store's writer (SQLite: one
    for the whole process) for the whole burst, which every other account's client writes
    wait on: they are committed a batch at a time, the sync token only with the last."""
    noisy, _, noisy_id, _ = accounts
    monkeypatch.setattr(engine_module, "BATCH", 50)
    bridge = Bridge(settings)
    calendar = next(c for c in bridge.store.calendars_of_account(noisy_id)
                    if c.google_id == noisy["account"])
    control.post(f"/calendars/{noisy['account']}/events:bulk", {"generate": 400, "seed": 3})
    old_token = bridge.store.calendar(calendar.id).sync_token
    inner, tokens = bridge.store.write, []

    @contextlib.contextmanager
    def write():
        with inner() as tx:
            yield tx
        tokens.append(bridge.store.calendar(calendar.id).sync_token)
    monkeypatch.setattr(bridge.store, "write", write)
    bridge.engine.sync_calendar(calendar.id)
    resources = len(bridge.store.all_items(calendar.id))
    stored_with = next(n for n, token in enumerate(tokens) if token != old_token)
    assert resources >= 400 and stored_with + 1 >= 8    # at most 50 resources at a time
    assert set(tokens[stored_with:]) == {tokens[-1]}    # the new token came with the last
