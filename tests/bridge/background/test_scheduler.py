"""The background scheduler on a real Bridge against the emulator: polling intervals, one
account's failure or rate limit never holding up another, and retention pruning."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from tests.support import wait_for

from bridge.service import Bridge
from bridge.background.backoff import Backoff
from bridge.background.channels import ChannelManager
from bridge.background.scheduler import Intervals, Scheduler
from bridge.settings import Settings


@pytest.fixture
def settings(emulator, tmp_path):
    return Settings(data_dir=str(tmp_path / "data"), freshness=3600,
                    google_api_endpoint=emulator.emulator.api_url,
                    google_token_uri=emulator.emulator.token_url)


@pytest.fixture
def bridge(settings):
    core = Bridge(settings)
    yield core
    core.stop_background()


@pytest.fixture
def link(bridge, tmp_path):
    def do(account: dict, user: str) -> int:
        path = tmp_path / f"{account['account']}.json"
        path.write_text(json.dumps(account))
        return bridge.link(user, str(path))
    return do


class Syncs:
    """Counts successful syncs per (kind, key) through the engine's observer hook."""

    def __init__(self, bridge: Bridge):
        self.counts: Counter = Counter()
        self.times: dict[tuple, list[float]] = {}
        self.lock = threading.Lock()
        bridge.engine.observers.append(self)

    def __call__(self, kind, key, seconds, error):
        if error is None:
            with self.lock:
                self.counts[(kind, key)] += 1
                self.times.setdefault((kind, key), []).append(time.monotonic())

    def before(self, key, moment: float) -> int:
        """How many syncs of ``key`` ended before ``moment`` (time.monotonic)."""
        with self.lock:
            return sum(1 for t in self.times.get(key, []) if t < moment)

    def __getitem__(self, key) -> int:
        with self.lock:
            return self.counts[key]


def scheduler_for(bridge: Bridge, **intervals) -> Scheduler:
    scheduler = Scheduler(bridge.store, bridge.engine,
                          ChannelManager(bridge.store, bridge.client_for, None),
                          Intervals(**intervals))
    bridge.scheduler = scheduler        # so client reads reach it, as start_background does
    return scheduler


def calendar_of(bridge: Bridge, account_id: int) -> int:
    return bridge.store.calendars_of_account(account_id)[0].id


def test_a_rate_limited_account_pauses_while_others_keep_syncing(bridge, link, new_account,
                                                                 control):
    limited = link(new_account("limited"), "alice")
    other = link(new_account("other"), "bob")
    limited_cal, other_cal = calendar_of(bridge, limited), calendar_of(bridge, other)
    scheduler = scheduler_for(bridge, sync=0.2, calendar_list=3600)
    scheduler.paused = Backoff(1.5, 3.0)
    syncs = Syncs(bridge)
    control.post("/faults", {"kind": "error", "status": 403, "reason": "quotaExceeded",
                             "method": "events.list"})
    paused_at = time.monotonic()                    # at the latest
    scheduler.run(("events", limited_cal))
    assert scheduler.paused.active(limited)
    assert "quotaExceeded" in bridge.store.calendar(limited_cal).last_error
    scheduler.start()
    wait_for(lambda: syncs[("events", limited_cal)] >= 1, 10, "the pause to end")
    resumed = syncs.times[("events", limited_cal)][0]
    assert resumed - paused_at >= 1.5               # paused, not retried meanwhile
    assert syncs.before(("events", other_cal), resumed) >= 3     # the other kept syncing
    assert bridge.store.calendar(limited_cal).last_error is None


def test_an_account_whose_credentials_fail_never_stops_the_others(settings, bridge, link,
                                                                  new_account, tmp_path):
    broken = link(new_account("broken"), "alice")
    healthy = link(new_account("healthy"), "bob")
    info = bridge.credentials.load(broken)          # e.g. access revoked at Google:
    bridge.credentials.save(broken, dict(info, refresh_token="revoked"))
    fresh = Bridge(settings)                        # no token cached from the link
    try:
        syncs = Syncs(fresh)
        scheduler = scheduler_for(fresh, sync=0.2, calendar_list=0.2)
        scheduler.start()
        wait_for(lambda: syncs[("events", calendar_of(fresh, healthy))] >= 3
                 and syncs[("list", healthy)] >= 3, 10, "the healthy account's syncs")
        errors = [fresh.store.account(broken).last_error,
                  fresh.store.calendar(calendar_of(fresh, broken)).last_error]
        assert any(e and "CredentialsRefused" in e for e in errors), errors
        assert syncs[("events", calendar_of(fresh, broken))] == 0
        assert scheduler.paused.active(broken)      # the whole account, not each calendar
        assert not scheduler.paused.active(healthy)
        assert scheduler.running
    finally:
        fresh.stop_background()


def test_an_account_signed_in_again_need_not_wait_out_its_pause(settings, bridge, link,
                                                                 new_account):
    account = new_account("relinked")
    account_id = link(account, "alice")
    info = bridge.credentials.load(account_id)
    bridge.credentials.save(account_id, dict(info, refresh_token="revoked"))
    fresh = Bridge(settings)                        # no token cached from the link
    try:
        syncs = Syncs(fresh)
        scheduler = scheduler_for(fresh, sync=0.2, calendar_list=0.2)
        scheduler.paused = Backoff(3600.0, 3600.0)
        scheduler.start()
        wait_for(lambda: scheduler.paused.active(account_id), 10, "the refusal's pause")
        fresh.link_info("alice", account)           # signed in again (syncs once itself)
        calendar = ("events", calendar_of(fresh, account_id))
        after_link = syncs[calendar]
        wait_for(lambda: syncs[calendar] >= after_link + 2, 10, "the scheduler's syncs")
        assert not scheduler.paused.active(account_id)
    finally:
        fresh.stop_background()


def test_calendars_clients_poll_are_synced_more_often(bridge, link, alice, control):
    control.post("/calendars", {"owner": alice["account"], "summary": "Idle"})
    account_id = link(alice, "alice")
    polled, idle = [c.id for c in bridge.store.calendars_of_account(account_id)]
    syncs = Syncs(bridge)
    scheduler = scheduler_for(bridge, sync=3600, active=0.2, calendar_list=3600)
    scheduler.start()
    bridge.engine.ensure_fresh(polled)              # a client request (fresh: no sync itself)
    wait_for(lambda: syncs[("events", polled)] >= 3, 10, "the polled calendar's syncs")
    assert syncs[("events", idle)] <= 1         # the one sync every calendar gets at start


def test_prune_drops_old_tombstones_and_invalidates_older_tokens(bridge, link, alice,
                                                                 control):
    cal = alice["account"]
    body = {"summary": "x", "start": {"date": "2026-07-01"}, "end": {"date": "2026-07-02"}}
    early, late = (control.post(f"/calendars/{cal}/events", body)["id"] for _ in range(2))
    account_id = link(alice, "alice")
    calendar_id = calendar_of(bridge, account_id)
    token_revision = bridge.store.calendar(calendar_id).revision     # a client's token
    control.delete(f"/calendars/{cal}/events/{early}")
    bridge.engine.sync_calendar(calendar_id)
    early_revision = bridge.store.calendar(calendar_id).revision
    time.sleep(0.6)
    control.delete(f"/calendars/{cal}/events/{late}")
    bridge.engine.sync_calendar(calendar_id)
    scheduler_for(bridge, retention=0.5).prune()
    left = bridge.store.changed_since(calendar_id, 0)
    assert len(left) == 1 and late in left[0]      # the young tombstone stays
    row = bridge.store.calendar(calendar_id)
    assert row.min_revision == early_revision > token_revision


@pytest.mark.slow
def test_a_429_that_outlasts_the_client_retries_pauses_the_account(bridge, link, new_account,
                                                                   control):
    account_id = link(new_account("busy"), "alice")
    calendar_id = calendar_of(bridge, account_id)
    scheduler = scheduler_for(bridge)
    control.post("/faults", {"kind": "error", "status": 429, "reason": "rateLimitExceeded",
                             "method": "events.list", "count": 5})
    scheduler.run(("events", calendar_id))
    assert scheduler.paused.active(account_id)
    control.post("/stats/reset")
    scheduler.run(("events", calendar_id))          # still paused: Google is not asked
    assert control.calls() == {}
