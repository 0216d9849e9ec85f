"""ChannelManager against the emulator: watch, confirm through a real webhook, renew without
a gap, stop what is no longer wanted, back off what Google refuses."""

from __future__ import annotations

import time

import pytest

from bridge.google import QuotaExceeded
from bridge.background.channels import ChannelManager
from bridge.store import channels as stored


class Clock:
    def __init__(self):
        self.shift = 0.0

    def __call__(self) -> float:
        return time.time() + self.shift


def live_at_emulator(control, channel_id: str) -> bool:
    return next(c for c in control.get("/channels")["channels"] if c["id"] == channel_id)["live"]


def rows(bridge, kind: str | None = None) -> list:
    return [r for r in stored.all_channels(bridge.store) if kind in (None, r.kind)]


@pytest.fixture
def manager(bridge, webhook):
    return ChannelManager(bridge.store, bridge.client_for, webhook, ttl=100, clock=Clock())


def test_every_calendar_and_the_list_get_a_confirmed_channel(bridge, link, alice, control,
                                                             manager, wait_for):
    control.post("/calendars", {"owner": alice["account"], "summary": "Team"})
    account_id = link(alice)
    manager.maintain(account_id)
    calendars = bridge.store.calendars_of_account(account_id)
    assert sorted((r.kind, r.calendar_id) for r in rows(bridge)) == sorted(
        [("list", None)] + [("events", c.id) for c in calendars])
    wait_for(lambda: all(manager.healthy("events", c.id) for c in calendars)
             and manager.healthy("list", account_id), 5, "sync messages")
    emulated = {c["id"]: c for c in control.get("/channels")["channels"]}
    for row in rows(bridge):
        channel = emulated[row.id]
        assert channel["live"] and channel["address"] == manager.address
        assert row.resource_id == channel["resourceId"] and row.state == "active"
        assert row.token_hash == stored.token_hash(channel["token"])   # only the hash kept
        assert row.token_hash != channel["token"]
    manager.maintain(account_id)                    # nothing to do: no new watch
    assert control.calls().get("events.watch") == len(calendars)


def test_renewal_keeps_the_old_channel_until_the_new_one_delivers(bridge, link, alice,
                                                                  control, manager, wait_for):
    account_id = link(alice)
    calendar_id = bridge.store.calendars_of_account(account_id)[0].id
    manager.maintain(account_id)
    [old] = [r for r in rows(bridge, "events")]
    wait_for(lambda: manager.healthy("events", calendar_id), 5, "the first sync message")
    control.post("/stats/reset")
    manager.clock.shift = 80                        # past three quarters of the 100 s
    manager.maintain(account_id)
    assert control.calls().get("events.watch") == 1
    new = next(r for r in rows(bridge, "events") if r.id != old.id)
    if not stored.get(bridge.store, new.id).confirmed:
        assert live_at_emulator(control, old.id)    # the new one has not proved itself yet
    wait_for(lambda: stored.get(bridge.store, new.id).confirmed, 5, "the new sync message")
    manager.maintain(account_id)
    assert not live_at_emulator(control, old.id)
    assert [r.id for r in rows(bridge, "events")] == [new.id]
    assert manager.healthy("events", calendar_id)


def test_channels_of_removed_calendars_and_switched_off_push_are_stopped(
        bridge, link, alice, control, manager, wait_for):
    team = control.post("/calendars", {"owner": alice["account"], "summary": "Team"})["id"]
    account_id = link(alice)
    manager.maintain(account_id)
    team_id = next(c.id for c in bridge.store.calendars_of_account(account_id)
                   if c.google_id == team)
    [team_channel] = [r for r in rows(bridge, "events") if r.calendar_id == team_id]
    control.delete(f"/calendars/{team}")
    bridge.engine.sync_calendar_list(account_id)
    manager.maintain(account_id)
    assert not live_at_emulator(control, team_channel.id)
    assert stored.get(bridge.store, team_channel.id) is None
    others = rows(bridge)
    assert others and all(live_at_emulator(control, r.id) for r in others)
    manager.address = None                          # push_url removed from the options
    manager.maintain(account_id)
    assert rows(bridge) == []
    assert not any(live_at_emulator(control, r.id) for r in others)


def test_channels_of_unlinked_accounts_are_stopped_and_forgotten(bridge, link, alice, control,
                                                                 manager):
    account_id = link(alice)
    manager.maintain(account_id)
    ids = [r.id for r in rows(bridge)]
    manager.drop_orphans({account_id})
    assert [r.id for r in rows(bridge)] == ids      # still linked: kept
    manager.drop_orphans(set())
    assert rows(bridge) == []
    assert not any(live_at_emulator(control, i) for i in ids)


def test_a_calendar_google_will_not_watch_is_left_alone_for_a_while(bridge, link, alice,
                                                                    control, manager):
    account_id = link(alice)
    control.post("/faults", {"kind": "error", "status": 400, "method": "events.watch",
                             "reason": "pushNotSupportedForRequestedResource"})
    manager.maintain(account_id)
    assert [r.kind for r in rows(bridge)] == ["list"]  # the list is watched all the same
    manager.maintain(account_id)
    manager.maintain(account_id)
    assert control.calls().get("events.watch") == 1   # not asked again and again


def test_a_rate_limited_watch_propagates_and_leaves_no_row(bridge, link, alice, control,
                                                           manager):
    account_id = link(alice)
    control.post("/faults", {"kind": "error", "status": 403, "reason": "quotaExceeded",
                             "method": "calendarList.watch"})
    with pytest.raises(QuotaExceeded):
        manager.maintain(account_id)
    assert all(r.state == "active" for r in rows(bridge))
    assert "list" not in [r.kind for r in rows(bridge)]
