"""RFC 6578 sync-collection over the bridge: exactly the changed hrefs, tokens that survive
410 resyncs and restarts, and Google calls only when the freshness window has passed."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.support import wait_for

from bridge.sync.resources import href_for


def timed(summary: str, day: str, hour: int, **extra) -> dict:
    return {"summary": summary,
            "start": {"dateTime": f"{day}T{hour:02d}:00:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": f"{day}T{hour + 1:02d}:00:00", "timeZone": "Europe/Berlin"},
            **extra}


@pytest.fixture
def seeded(control, alice):
    """Alice's primary calendar with a single event, a weekly series and one to delete."""
    cal = alice["account"]
    ids = {}
    for key, body in {"single": timed("Dentist", "2026-06-02", 9),
                      "series": timed("Standup", "2026-06-01", 9,
                                      recurrence=["RRULE:FREQ=WEEKLY;COUNT=10"]),
                      "doomed": timed("Cancelled lunch", "2026-06-03", 12)}.items():
        ids[key] = control.post(f"/calendars/{cal}/events", body)["id"]
    return cal, ids


def href(server, cal: str, event_id: str) -> str:
    return urlsplit(server.calendar_url(cal)).path + href_for(f"{event_id}@google.com")


def test_each_google_change_shows_as_exactly_the_changed_hrefs(make_bridge, alice, control,
                                                              seeded):
    cal, ids = seeded
    server = make_bridge(alice, freshness=0)
    url = server.calendar_url(cal)
    token, initial = server.sync_collection(url)
    assert set(initial) == {href(server, cal, i) for i in ids.values()}

    def step(change) -> dict:
        nonlocal token
        change()
        token, changes = server.sync_collection(url, token)
        return changes

    new = {}
    changes = step(lambda: new.update(control.post(f"/calendars/{cal}/events",
                                                   timed("New", "2026-06-04", 15))))
    assert set(changes) == {href(server, cal, new["id"])}
    changes = step(lambda: control.patch(f"/calendars/{cal}/events/{ids['single']}",
                                         {"summary": "Dentist (moved)"}))
    assert set(changes) == {href(server, cal, ids["single"])}
    assert changes[href(server, cal, ids["single"])] != initial[href(server, cal, ids["single"])]
    changes = step(lambda: control.delete(f"/calendars/{cal}/events/{ids['doomed']}"))
    assert changes == {href(server, cal, ids["doomed"]): 404}
    moved = f"{ids['series']}_20260608T070000Z"
    changes = step(lambda: control.patch(f"/calendars/{cal}/events/{moved}",
                                         {"summary": "Standup (late)"}))
    assert set(changes) == {href(server, cal, ids["series"])}
    changes = step(lambda: control.delete(
        f"/calendars/{cal}/events/{ids['series']}_20260615T070000Z"))
    assert set(changes) == {href(server, cal, ids["series"])}
    assert step(lambda: None) == {}

    text = server.session.get(server.url + href(server, cal, ids["series"])).text
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000" in text
    assert "EXDATE;TZID=Europe/Berlin:20260615T090000" in text


def test_tokens_survive_a_410_full_resync_and_only_real_changes_show(make_bridge, alice,
                                                                    control, seeded):
    cal, ids = seeded
    server = make_bridge(alice, freshness=0)
    url = server.calendar_url(cal)
    token, before = server.sync_collection(url)
    control.post(f"/calendars/{cal}/invalidate-sync-tokens")
    control.post("/stats/reset")
    token2, changes = server.sync_collection(url, token)
    assert changes == {}
    assert control.calls().get("events.list", 0) == 2       # the 410, then the full re-list
    assert server.sync_collection(url)[1] == before          # no ETag changed

    # A deletion while the token is invalid is only visible by diffing the full list.
    control.post(f"/calendars/{cal}/invalidate-sync-tokens")
    control.delete(f"/calendars/{cal}/events/{ids['single']}")
    _, changes = server.sync_collection(url, token2)
    assert changes == {href(server, cal, ids["single"]): 404}


def test_client_token_is_valid_after_a_restart(make_bridge, alice, control, seeded):
    cal, ids = seeded
    server = make_bridge(alice, freshness=0)
    token, _ = server.sync_collection(server.calendar_url(cal))
    server.restart()
    url = server.calendar_url(cal)
    assert server.sync_collection(url, token)[1] == {}
    control.patch(f"/calendars/{cal}/events/{ids['single']}", {"location": "Room 2"})
    assert set(server.sync_collection(url, token)[1]) == {href(server, cal, ids["single"])}


def test_unknown_token_is_refused_with_valid_sync_token(make_bridge, alice, seeded):
    cal, _ = seeded
    server = make_bridge(alice)
    url = server.calendar_url(cal)
    token, _ = server.sync_collection(url)
    for bad in ("garbage", token.rsplit("-", 1)[0] + "-99999",
                token.replace(token.rsplit("/", 1)[1].split("-")[0], "ffffffff")):
        _, answer = server.sync_collection(url, bad)
        assert answer["status"] == 403 and "valid-sync-token" in answer["body"]


def test_polls_inside_the_freshness_window_cost_no_google_calls(make_bridge, alice, control,
                                                                seeded):
    cal, _ = seeded
    freshness = 1.5
    server = make_bridge(alice, freshness=freshness)
    url = server.calendar_url(cal)
    started = server.bridge.scheduler.started       # every calendar syncs once at start
    wait_for(lambda: all(c.last_sync >= started for c in server.bridge.store.calendars("alice"))
             and server.bridge.store.accounts("alice")[0].list_synced >= started, 10)
    synced_at = time.time()
    control.post("/stats/reset")
    token, _ = server.sync_collection(url)
    server.ctag(url)
    server.sync_collection(url, token)
    assert control.calls() == {}

    time.sleep(max(0.0, synced_at + freshness + 0.1 - time.time()))
    for _ in range(3):
        server.ctag(url)
        server.sync_collection(url, token)
    assert control.calls().get("events.list", 0) == 1


def test_a_full_resync_after_everything_was_deleted_and_recreated(make_bridge, alice, control,
                                                                 seeded):
    """Tombstones hold the hrefs of deleted events; a 410 re-list that brings a UID back
    must reuse its href (no second row)."""
    cal, ids = seeded
    server = make_bridge(alice, freshness=0)
    url = server.calendar_url(cal)
    token, _ = server.sync_collection(url)
    for event_id in ids.values():
        control.delete(f"/calendars/{cal}/events/{event_id}")
    token, changes = server.sync_collection(url, token)
    assert set(changes.values()) == {404}
    control.post(f"/calendars/{cal}/invalidate-sync-tokens")
    control.post(f"/calendars/{cal}/events:bulk", {"events": [dict(
        timed("Back", "2026-07-01", 10), iCalUID=f"{ids['single']}@google.com")]})
    _, changes = server.sync_collection(url, token)
    assert list(changes) == [href(server, cal, ids["single"])]
    assert changes[href(server, cal, ids["single"])] != 404
