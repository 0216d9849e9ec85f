"""Push end to end: the emulator delivers notifications over loopback to the bridge's own
webhook (push_url = the bridge's http://127.0.0.1:PORT), the bridge syncs and clients see the
change. Google calls are counted by the emulator; waits poll with a deadline."""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from bridge.store import channels as stored
from bridge.sync.resources import href_for
from gcaldav.web.routes import WEBHOOK_PATH

# Nothing but push may sync: no polling fallback, and freshness 0 would make any
# client-triggered sync show up in the emulator's counts.
QUIET = dict(freshness=0, sync_interval=3600, active_sync_interval=3600,
             calendar_list_interval=3600)


def event(summary: str, hour: int = 9) -> dict:
    return {"summary": summary, "start": {"dateTime": f"2026-07-01T{hour:02d}:00:00Z"},
            "end": {"dateTime": f"2026-07-01T{hour:02d}:30:00Z"}}


def push_ready(server, wait_for) -> None:
    """Every calendar and calendar list of alice is watched by a confirmed channel, and the
    syncs every server makes at start are done (their Google calls are not the test's)."""
    bridge = server.bridge

    def ready():
        channels = bridge.scheduler.channels
        accounts = bridge.store.accounts("alice")
        return server.start_up_synced() and all(channels.healthy("list", a.id) and all(
            channels.healthy("events", c.id) for c in bridge.store.calendars_of_account(a.id))
            for a in accounts)
    wait_for(ready, 10, "push channels on every calendar")


def channel_of(server, calendar_id: int):
    rows = [r for r in stored.all_channels(server.bridge.store)
            if r.kind == "events" and r.calendar_id == calendar_id and r.state == "active"]
    return max(rows, key=lambda r: r.created) if rows else None


def emulator_channel(control, channel_id: str) -> dict:
    return next(c for c in control.get("/channels")["channels"] if c["id"] == channel_id)


def href(server, cal: str, event_id: str) -> str:
    return urlsplit(server.calendar_url(cal)).path + href_for(f"{event_id}@google.com")


def wait_visible(server, wait_for, url, token, wanted: set[str], timeout: float):
    """Poll sync-collection until ``wanted`` hrefs all showed up; answers the new token."""
    seen: set[str] = set()

    def step():
        nonlocal token
        token, changes = server.sync_collection(url, token)
        seen.update(changes)
        return wanted <= seen
    wait_for(step, timeout, f"{len(wanted)} changes in sync-collection")
    return token


def test_a_google_change_reaches_sync_collection_within_2s_without_polling(
        make_bridge, alice, control, wait_for):
    cal = alice["account"]
    server = make_bridge(alice, push=True, **QUIET)
    push_ready(server, wait_for)
    url = server.calendar_url(cal)
    token, _ = server.sync_collection(url)
    control.post("/stats/reset")
    started = time.monotonic()
    new = control.post(f"/calendars/{cal}/events", event("From the phone"))
    wait_visible(server, wait_for, url, token, {href(server, cal, new["id"])}, 2.0)
    assert time.monotonic() - started < 2.0
    # Dozens of client polls happened meanwhile (freshness 0); Google saw only the one
    # push-triggered list, and a principal listing costs nothing either.
    server.propfind(f"{server.url}/alice/", "<propfind xmlns='DAV:'><prop><displayname/>"
                                            "</prop></propfind>", depth="1")
    calls = control.calls()
    assert calls.get("events.list") == 1, calls
    assert "calendarList.list" not in calls, calls


def test_a_burst_of_50_changes_costs_at_most_2_events_list_calls(make_bridge, alice, control,
                                                                wait_for):
    cal = alice["account"]
    server = make_bridge(alice, push=True, **QUIET)
    push_ready(server, wait_for)
    url = server.calendar_url(cal)
    token, _ = server.sync_collection(url)
    channel_id = channel_of(server, server.bridge.store.calendar_by_slug(
        "alice", urlsplit(url).path.split("/")[2]).id).id
    before = emulator_channel(control, channel_id)["messages"]
    control.post("/stats/reset")
    ids = [control.post(f"/calendars/{cal}/events", event(f"Burst {n}", n % 20))["id"]
           for n in range(50)]
    wait_visible(server, wait_for, url, token, {href(server, cal, i) for i in ids}, 5.0)
    wait_for(lambda: emulator_channel(control, channel_id)["messages"] >= before + 50, 5,
             "50 notifications")
    time.sleep(1.0)     # a late third sync would show up here
    assert control.calls().get("events.list", 0) <= 2, control.calls()


def test_forged_notifications_are_refused_logged_and_trigger_no_sync(
        make_bridge, new_account, control, wait_for, caplog):
    account = new_account("forge")
    cal = account["account"]
    doomed = control.post("/calendars", {"owner": cal, "summary": "Doomed"})["id"]
    server = make_bridge(account, push=True, **QUIET)
    push_ready(server, wait_for)
    calendar = server.bridge.store.calendar_by_slug(
        "alice", urlsplit(server.calendar_url(cal)).path.split("/")[2])
    genuine = emulator_channel(control, channel_of(server, calendar.id).id)
    doomed_id = next(c.id for c in server.bridge.store.calendars("alice")
                     if c.google_id == doomed)
    stopped = emulator_channel(control, channel_of(server, doomed_id).id)
    control.delete(f"/calendars/{doomed}")      # its channel gets stopped
    wait_for(lambda: not emulator_channel(control, stopped["id"])["live"], 10,
             "the removed calendar's channel to stop")
    control.post("/stats/reset")

    def notify(channel: dict, **override) -> int:
        headers = {"X-Goog-Channel-ID": channel["id"], "X-Goog-Message-Number": "7",
                   "X-Goog-Resource-ID": channel["resourceId"],
                   "X-Goog-Resource-State": "exists",
                   "X-Goog-Resource-URI": channel["resourceUri"]}
        if channel.get("token"):
            headers["X-Goog-Channel-Token"] = channel["token"]
        headers.update(override)
        headers = {k: v for k, v in headers.items() if v is not None}
        return requests.post(server.url + WEBHOOK_PATH, headers=headers, timeout=5).status_code

    caplog.set_level(logging.WARNING, logger="bridge.background")
    assert notify(genuine, **{"X-Goog-Channel-ID": "0" * 32}) == 403        # unknown id
    assert notify(genuine, **{"X-Goog-Channel-Token": "guess"}) == 403      # wrong token
    assert notify(genuine, **{"X-Goog-Channel-Token": None}) == 403         # no token
    assert notify(stopped) == 403                                           # stopped channel
    assert notify(genuine, **{"X-Goog-Resource-ID": "other"}) == 403        # other resource
    assert notify(genuine, **{"X-Goog-Resource-State": None}) == 400        # malformed
    assert requests.get(server.url + WEBHOOK_PATH, timeout=5).status_code == 405
    refusals = [r.getMessage() for r in caplog.records if "refused push" in r.getMessage()]
    assert len(refusals) == 6
    # (a stopped channel is forgotten once Google confirmed the stop: unknown from then on)
    for reason in ("unknown_channel", "wrong_token", "wrong_resource", "malformed"):
        assert any(reason in line for line in refusals), (reason, refusals)
    assert not any(genuine["token"] in r.getMessage() for r in caplog.records)
    # The genuine channel, used the same way, does sync: the forged ones had time to.
    assert notify(genuine) == 200
    wait_for(lambda: control.calls().get("events.list"), 5, "the genuine notification's sync")
    time.sleep(0.8)
    assert control.calls() == {"events.list": 1}


def test_dropped_notifications_are_caught_by_the_polling_fallback(make_bridge, alice, control,
                                                                 wait_for):
    cal = alice["account"]
    server = make_bridge(alice, push=True, **dict(QUIET, push_sync_interval=1.5))
    push_ready(server, wait_for)
    url = server.calendar_url(cal)
    token, _ = server.sync_collection(url)
    control.post("/push/faults", {"drop": 1})
    started = time.monotonic()
    new = control.post(f"/calendars/{cal}/events", event("Dropped"))
    wait_visible(server, wait_for, url, token, {href(server, cal, new["id"])}, 10.0)
    accepted = server.bridge.metrics.registry.get_sample_value(
        "gcaldav_push_notifications_total", {"outcome": "accepted", "reason": "change"})
    assert not accepted                 # it really came by polling
    assert time.monotonic() - started < 1.5 + 3     # the push-time poll, not the hourly one


def test_channels_are_renewed_before_expiry_and_notifications_keep_flowing(
        make_bridge, alice, control, wait_for):
    cal = alice["account"]
    # A 6 s life renews 1.5 s before expiry: room for a scheduler slowed by a loaded machine
    # to stop the old channel (once it has expired, it can no longer be stopped).
    server = make_bridge(alice, push=True, channel_ttl=6, **QUIET)
    push_ready(server, wait_for)
    calendar_id = server.bridge.store.calendar_by_slug(
        "alice", urlsplit(server.calendar_url(cal)).path.split("/")[2]).id
    first = channel_of(server, calendar_id)
    lapses, watching = [], True

    def watch_health():
        while watching:
            if not server.bridge.scheduler.channels.healthy("events", calendar_id):
                lapses.append(time.time())
            time.sleep(0.02)
    watcher = threading.Thread(target=watch_health)
    watcher.start()
    try:
        # Both must happen before the first channel expires; a second more tells late apart
        # from never.
        renewed = wait_for(lambda: (c := channel_of(server, calendar_id)) and c.id != first.id
                           and c.confirmed and c, first.expiration - time.time() + 1,
                           "a renewed channel")
        assert renewed.created < first.expiration
        wait_for(lambda: emulator_channel(control, first.id)["stopped_at"],
                 first.expiration - time.time() + 1, "the old channel to be stopped at Google")
        wait_for(lambda: time.time() > first.expiration + 0.5, 5, "the first expiry")
        url = server.calendar_url(cal)
        token, _ = server.sync_collection(url)
        control.post("/stats/reset")
        new = control.post(f"/calendars/{cal}/events", event("After renewal"))
        wait_visible(server, wait_for, url, token, {href(server, cal, new["id"])}, 2.0)
        assert control.calls().get("events.list") == 1
    finally:
        watching = False
        watcher.join()
    assert lapses == []


def test_channels_survive_a_restart(make_bridge, alice, control, wait_for):
    cal = alice["account"]
    server = make_bridge(alice, push=True, **QUIET)
    push_ready(server, wait_for)
    before = {r.id for r in stored.all_channels(server.bridge.store)}
    server.restart()
    control.post("/stats/reset")
    push_ready(server, wait_for)                # at once: the stored channels count
    url = server.calendar_url(cal)
    token, _ = server.sync_collection(url)
    new = control.post(f"/calendars/{cal}/events", event("After restart"))
    wait_visible(server, wait_for, url, token, {href(server, cal, new["id"])}, 2.0)
    assert {r.id for r in stored.all_channels(server.bridge.store)} == before
    calls = control.calls()
    assert "events.watch" not in calls and "calendarList.watch" not in calls, calls
    assert calls.get("events.list", 0) <= 2     # the start-up sync, the notified one


def test_channels_of_removed_calendars_are_stopped(make_bridge, alice, control, wait_for):
    team = control.post("/calendars", {"owner": alice["account"], "summary": "Team"})["id"]
    server = make_bridge(alice, push=True, **QUIET)
    push_ready(server, wait_for)
    calendar_id = next(c.id for c in server.bridge.store.calendars("alice")
                       if c.google_id == team)
    channel = channel_of(server, calendar_id)
    assert emulator_channel(control, channel.id)["live"]
    control.delete(f"/calendars/{team}")
    # The calendar-list channel announces it; the list sync drops the calendar; upkeep stops
    # its channel at Google and forgets it.
    wait_for(lambda: not emulator_channel(control, channel.id)["live"], 10, "the stop")
    wait_for(lambda: stored.get(server.bridge.store, channel.id) is None, 5, "the row to go")
    assert control.calls().get("channels.stop", 0) >= 1


def test_ten_polling_clients_cost_one_events_list_per_freshness_window(make_bridge, alice,
                                                                      control):
    server = make_bridge(alice, freshness=0.5, sync_interval=3600, active_sync_interval=3600,
                         calendar_list_interval=3600)
    url = server.calendar_url(alice["account"])
    control.post("/stats/reset")
    started, errors = time.monotonic(), []

    def poll():
        with requests.Session() as session:
            session.auth = ("alice", "secret")
            while time.monotonic() - started < 2.0:
                response = session.request("PROPFIND", url, headers={"Depth": "0"},
                                           data="<propfind xmlns='DAV:'><prop><getetag/>"
                                                "</prop></propfind>")
                if response.status_code != 207:
                    errors.append(response.status_code)
    clients = [threading.Thread(target=poll) for _ in range(10)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    elapsed = time.monotonic() - started
    assert errors == []
    lists = control.calls().get("events.list", 0)
    assert 1 <= lists <= int(elapsed / 0.5) + 1, (lists, elapsed)


def test_a_bad_push_url_is_refused_at_start_with_a_clear_message(make_bridge, alice):
    with pytest.raises(RuntimeError, match="https"):
        make_bridge(alice, push_url="http://calendar.example.org")
