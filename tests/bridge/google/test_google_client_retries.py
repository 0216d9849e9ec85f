"""GoogleClient's retry policy against the emulator's injected faults, over real HTTP. Waits
go through the ``sleep`` seam (recorded, never slept)."""

from __future__ import annotations

import random

import pytest

from bridge.google import (Forbidden, GoogleError, NotFound, QuotaExceeded, RateLimited,
                           Unavailable)

LIST = "calendarList.list"


def list_calendars(client, **kw):
    return client.call(lambda s: s.calendarList().list(), **kw)


def fault(control, **spec):
    control.post("/faults", {"method": LIST, **spec})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_503s_then_success_waits_exponentially_with_jitter(control, make_client, alice,
                                                               waits, seed):
    client = make_client(alice, backoff_base=0.5, jitter=random.Random(seed).random)
    fault(control, kind="error", status=503, reason="backendError", count=2)
    assert list_calendars(client)["items"]
    assert control.calls()[LIST] == 3
    assert len(waits) == 2
    # attempt n waits between half and all of base * 2^(n-1)
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0


def test_jitter_spreads_the_wait_over_the_upper_half(control, make_client, alice, waits):
    for value in (0.0, 0.999):
        client = make_client(alice, backoff_base=2.0, jitter=lambda v=value: v)
        fault(control, kind="error", status=500, reason="backendError")
        list_calendars(client)
    assert waits == [1.0, pytest.approx(1.999)]


def test_waits_are_capped_and_attempts_bounded(control, make_client, alice, waits):
    client = make_client(alice, max_attempts=6, backoff_base=1.0, backoff_cap=4.0,
                         jitter=lambda: 0.999)
    fault(control, kind="error", status=503, reason="backendError", count=10)
    with pytest.raises(Unavailable) as caught:
        list_calendars(client)
    assert caught.value.status == 503
    assert control.calls()[LIST] == 6
    assert [round(w) for w in waits] == [1, 2, 4, 4, 4]


def test_429_retry_after_is_honoured(control, make_client, alice, waits):
    client = make_client(alice, backoff_base=0.5, jitter=lambda: 0.0)
    fault(control, kind="error", status=429, reason="rateLimitExceeded", retry_after=7)
    assert list_calendars(client)["items"]
    assert waits == [7.0]
    assert control.calls()[LIST] == 2


def test_retry_after_beyond_the_cap_is_left_to_the_caller(control, make_client, alice, waits):
    client = make_client(alice, backoff_cap=30.0)
    fault(control, kind="error", status=429, reason="rateLimitExceeded", retry_after=120)
    with pytest.raises(RateLimited) as caught:
        list_calendars(client)
    assert caught.value.retry_after == 120
    assert waits == [] and control.calls()[LIST] == 1


@pytest.mark.parametrize("reason", ["rateLimitExceeded", "userRateLimitExceeded"])
def test_403_rate_limits_are_retried(control, client, waits, reason):
    fault(control, kind="error", status=403, reason=reason, count=2)
    assert list_calendars(client)["items"]
    assert control.calls()[LIST] == 3 and len(waits) == 2


def test_403_rate_limit_that_persists_is_rate_limited(control, make_client, alice, waits):
    client = make_client(alice, max_attempts=3)
    fault(control, kind="error", status=403, reason="rateLimitExceeded", count=3)
    with pytest.raises(RateLimited):
        list_calendars(client)
    assert control.calls()[LIST] == 3 and len(waits) == 2


def test_403_quota_exceeded_is_not_retried(control, client, waits):
    fault(control, kind="error", status=403, reason="quotaExceeded")
    with pytest.raises(QuotaExceeded) as caught:
        list_calendars(client)
    assert caught.value.status == 403 and caught.value.reason == "quotaExceeded"
    assert control.calls()[LIST] == 1 and waits == []


def test_403_forbidden_is_not_retried(control, client, waits):
    fault(control, kind="error", status=403, reason="forbidden")
    with pytest.raises(Forbidden):
        list_calendars(client)
    assert control.calls()[LIST] == 1 and waits == []


def test_404_is_not_retried(control, client, waits):
    with pytest.raises(NotFound) as caught:
        client.call(lambda s: s.events().get(calendarId="primary", eventId="nosuchevent"))
    assert caught.value.status == 404
    assert control.calls()["events.get"] == 1 and waits == []


def test_400_is_not_retried(control, client, waits):
    fault(control, kind="error", status=400, reason="badRequest")
    with pytest.raises(GoogleError) as caught:
        list_calendars(client)
    assert caught.value.status == 400 and caught.value.reason == "badRequest"
    assert control.calls()[LIST] == 1 and waits == []


# --- lost connections ----------------------------------------------------------------------------
# httplib2 sends a request once more by itself when the connection closes without an answer,
# whatever the method: one dropped connection never reaches the client's policy.

def test_one_dropped_connection_is_absorbed_by_httplib2(control, client, waits):
    list_calendars(client)
    control.post("/stats/reset")
    fault(control, kind="disconnect")
    assert list_calendars(client)["items"]
    assert control.calls()[LIST] == 2 and waits == []


def test_dropped_connections_are_retried_when_allowed(control, client, waits):
    fault(control, kind="disconnect", count=2)
    assert list_calendars(client)["items"]
    assert control.calls()[LIST] == 3 and len(waits) == 1


def test_dropped_connections_are_not_retried_when_forbidden(control, client, waits):
    fault(control, kind="disconnect", count=2)
    with pytest.raises(Unavailable) as caught:
        list_calendars(client, retry_connection_errors=False)
    assert caught.value.status == 0
    assert control.calls()[LIST] == 1 and waits == []      # httplib2 did not resend either
    assert list_calendars(client)["items"]      # and the client recovers


# --- observers and the clock seam ------------------------------------------------------------------

def test_observers_see_every_attempt_timed_by_the_clock_seam(control, make_client, alice):
    ticks = iter(range(0, 1000, 5))
    client = make_client(alice, clock=lambda: float(next(ticks)), jitter=lambda: 0.0)
    seen = []
    client.observers.append(lambda *record: seen.append(record))
    fault(control, kind="error", status=503, reason="backendError")
    list_calendars(client)
    assert seen == [("oauth.token", "ok", 5.0), ("calendarList.list", "503", 5.0),
                    ("calendarList.list", "ok", 5.0)]


def test_a_failing_observer_does_not_break_the_call(client):
    client.observers.append(lambda *record: 1 / 0)
    assert list_calendars(client)["items"]
