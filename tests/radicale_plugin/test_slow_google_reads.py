"""A client request waits for Google at most a bounded time, then is served from the store;
Google failing mid-answer (dropped connections, errors in a row) never gives a client a 500,
and once the fault clears the store converges to Google's state."""

from __future__ import annotations

import time

import pytest

LISTING = '<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'


def event(summary: str, day: int) -> dict:
    return {"summary": summary, "start": {"dateTime": f"2026-06-{day:02d}T10:00:00Z"},
            "end": {"dateTime": f"2026-06-{day:02d}T11:00:00Z"}}


def listed(server, url: str) -> int:
    answer = server.session.request("PROPFIND", url, headers={"Depth": "1"}, data=LISTING)
    assert answer.status_code == 207, answer.status_code
    return answer.text.count(".ics</")


def test_a_slow_google_does_not_hold_a_client_longer_than_the_bound(make_bridge, alice,
                                                                    control, wait_for):
    cal = alice["account"]
    control.post(f"/calendars/{cal}/events", event("before", 1))
    server = make_bridge(alice, freshness=0.01, google_timeout=120)
    url = server.calendar_url(cal)
    assert listed(server, url) == 1
    control.post(f"/calendars/{cal}/events", event("while slow", 2))
    control.post("/faults", {"kind": "delay", "seconds": 40, "method": "events.list"})
    started = time.monotonic()
    assert listed(server, url) == 1             # served from the store meanwhile
    assert time.monotonic() - started < 25      # 5 s bound; 40 s without it
    control.request("DELETE", "/faults")
    wait_for(lambda: listed(server, url) == 2, 90, "the slow sync to land")


@pytest.mark.parametrize("fault", [{"kind": "disconnect"}, {"kind": "error", "status": 500},
                                   {"kind": "error", "status": 503},
                                   {"kind": "error", "status": 403,
                                    "reason": "rateLimitExceeded"}])
def test_faults_in_a_row_serve_the_store_then_converge(make_bridge, alice, control, wait_for,
                                                       fault):
    cal = alice["account"]
    control.post(f"/calendars/{cal}/events", event("first", 3))
    server = make_bridge(alice, freshness=0.01)
    url = server.calendar_url(cal)
    assert listed(server, url) == 1
    control.post(f"/calendars/{cal}/events", event("second", 4))
    control.post("/faults", {**fault, "count": 10})
    for _ in range(3):
        assert listed(server, url) in (1, 2)
    control.request("DELETE", "/faults")
    wait_for(lambda: listed(server, url) == 2, 60, "the store to converge after the fault")
