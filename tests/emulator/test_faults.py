"""Fault injection (POST /_emulator/faults) as the real google-api-python-client sees it.

Note on connection faults: httplib2 treats a connection closed without a status line on the
first attempt as a stale keep-alive and silently replays the request once (even a POST), so a
fault must hit two attempts before the caller sees the connection error.
"""

import http.client
import json
import socket
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import httplib2
import pytest
from googleapiclient.errors import HttpError

from tests.support import wait_for

CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, httplib2.HttpLib2Error,
                     socket.error)


def fault(control, kind="error", **spec):
    return control.post("/faults", {"kind": kind, **spec})


def event_body(event_id=None, summary="Fault test"):
    body = {"summary": summary, "start": {"dateTime": "2026-06-01T10:00:00Z"},
            "end": {"dateTime": "2026-06-01T11:00:00Z"}}
    return {**body, "id": event_id} if event_id else body


def listing(svc):
    return svc.events().list(calendarId="primary")


def quick_retries(request):
    """Shorten the client's backoff (random() * 2**n seconds) between retries."""
    request._rand = lambda: 0.01
    return request


def http_error(request, num_retries=0) -> HttpError:
    with pytest.raises(HttpError) as info:
        quick_retries(request).execute(num_retries=num_retries)
    return info.value


def warm(svc):
    """Fetch the access token first, so stats count API calls only."""
    listing(svc).execute()


ERRORS = [
    (403, "rateLimitExceeded", "usageLimits", None),
    (403, "userRateLimitExceeded", "usageLimits", None),
    (403, "quotaExceeded", "usageLimits", None),
    (429, "rateLimitExceeded", "usageLimits", 30),
    (500, "backendError", "global", None),
    (503, "backendError", "global", None),
]


@pytest.mark.parametrize("status, reason, domain, retry_after", ERRORS)
def test_error_fault_arrives_in_googles_envelope(svc, control, status, reason, domain,
                                                  retry_after):
    spec = {"status": status, "reason": reason}
    if retry_after is not None:
        spec["retry_after"] = retry_after
    fault(control, **spec)
    exc = http_error(listing(svc))
    assert exc.resp.status == status
    assert exc.error_details[0]["reason"] == reason
    assert exc.error_details[0]["domain"] == domain
    envelope = json.loads(exc.content)["error"]
    assert envelope["code"] == status and envelope["message"]
    assert envelope["errors"][0] == exc.error_details[0]
    if retry_after is None:
        assert exc.resp.get("retry-after") is None
    else:
        assert exc.resp.get("retry-after") == str(retry_after)
    assert listing(svc).execute()["kind"] == "calendar#events"     # one request only


@pytest.mark.parametrize("status, reason", [
    (503, None), (500, None), (429, None), (403, "rateLimitExceeded"),
    (403, "userRateLimitExceeded"),
])
def test_client_retries_recover_from_transient_errors(svc, control, status, reason):
    warm(svc)
    control.post("/stats/reset")
    fault(control, status=status, reason=reason)
    assert quick_retries(listing(svc)).execute(num_retries=2)["kind"] == "calendar#events"
    assert control.calls() == {"events.list": 2}


def test_client_does_not_retry_quota_exceeded(svc, control):
    warm(svc)
    control.post("/stats/reset")
    fault(control, status=403, reason="quotaExceeded")
    exc = http_error(listing(svc), num_retries=2)
    assert (exc.resp.status, exc.error_details[0]["reason"]) == (403, "quotaExceeded")
    assert control.calls() == {"events.list": 1}


def test_fault_scoped_to_a_method_hits_only_that_method(svc, control):
    fault(control, status=503, method="events.insert")
    assert listing(svc).execute()["kind"] == "calendar#events"
    assert svc.calendarList().list().execute()["kind"] == "calendar#calendarList"
    assert len(control.get("/faults")["faults"]) == 1
    exc = http_error(svc.events().insert(calendarId="primary", body=event_body()))
    assert exc.resp.status == 503
    assert control.get("/faults")["faults"] == []
    assert listing(svc).execute()["items"] == []


def test_fault_scoped_to_a_calendar_spares_the_others(svc, control, alice):
    team = control.post("/calendars", {"owner": alice["account"], "summary": "Team"})["id"]
    fault(control, status=404, reason="notFound", method="events.list", calendar=team)
    assert listing(svc).execute()["kind"] == "calendar#events"          # primary: untouched
    assert http_error(svc.events().list(calendarId=team)).resp.status == 404
    assert svc.events().list(calendarId=team).execute()["items"] == []   # used up


def test_a_slow_reply_is_applied_before_it_is_answered(svc, service_for, alice, control):
    other = service_for(alice)          # a connection of its own (httplib2 is not shared)
    warm(svc)
    fault(control, "slow_reply", method="events.insert", seconds=3.0)
    slow = ThreadPoolExecutor(1).submit(
        other.events().insert(calendarId="primary", body=event_body(summary="Slow")).execute)
    listed = wait_for(lambda: [e for e in listing(svc).execute()["items"]
                               if e["summary"] == "Slow"], 10, "the insert to be applied")
    assert not slow.done()                          # its answer still on its way
    assert slow.result(10)["id"] == listed[0]["id"]


def test_count_two_hits_exactly_two_requests(svc, control):
    fault(control, status=500, count=2)
    assert http_error(listing(svc)).resp.status == 500
    assert http_error(svc.calendarList().list()).resp.status == 500
    assert listing(svc).execute()["kind"] == "calendar#events"


def test_delay_makes_the_call_slow(svc, control):
    warm(svc)
    fault(control, "delay", seconds=1.0)
    started = time.monotonic()
    assert listing(svc).execute()["kind"] == "calendar#events"
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    listing(svc).execute()
    assert time.monotonic() - started < 1.0


def test_disconnect_surfaces_as_connection_error_and_changes_nothing(svc, control):
    warm(svc)
    control.post("/stats/reset")
    fault(control, "disconnect", method="events.insert", count=2)
    with pytest.raises(CONNECTION_ERRORS):
        svc.events().insert(calendarId="primary", body=event_body("disconnect01")).execute()
    assert control.calls() == {"events.insert": 2}      # httplib2 replayed once
    with pytest.raises(HttpError) as info:
        svc.events().get(calendarId="primary", eventId="disconnect01").execute()
    assert info.value.resp.status == 404
    assert svc.events().insert(calendarId="primary",
                               body=event_body("disconnect01")).execute()["id"] == "disconnect01"


def test_single_disconnect_is_replayed_by_httplib2(svc, control):
    warm(svc)
    control.post("/stats/reset")
    fault(control, "disconnect", method="events.insert")
    created = svc.events().insert(calendarId="primary", body=event_body()).execute()
    assert control.calls() == {"events.insert": 2}
    assert [e["id"] for e in listing(svc).execute()["items"]] == [created["id"]]


def test_lost_reply_insert_was_applied(svc, control):
    """The scenario a bridge must survive: the insert happened but the client never heard."""
    fault(control, "lose_reply", method="events.insert")
    fault(control, "disconnect", method="events.insert")    # httplib2's replay fails too
    with pytest.raises(CONNECTION_ERRORS):
        svc.events().insert(calendarId="primary", body=event_body("lostrep01")).execute()
    got = svc.events().get(calendarId="primary", eventId="lostrep01").execute()
    assert got["summary"] == "Fault test"
    exc = http_error(svc.events().insert(calendarId="primary", body=event_body("lostrep01")))
    assert (exc.resp.status, exc.error_details[0]["reason"]) == (409, "duplicate")


def test_lost_reply_replayed_by_httplib2_reads_as_duplicate(svc, control):
    """A single lose_reply: httplib2 replays the POST, which then collides with itself."""
    fault(control, "lose_reply", method="events.insert")
    exc = http_error(svc.events().insert(calendarId="primary", body=event_body("lostrep02")))
    assert (exc.resp.status, exc.error_details[0]["reason"]) == (409, "duplicate")
    assert len(listing(svc).execute()["items"]) == 1


def test_lose_reply_twice_loses_both_replies(svc, control):
    """httplib2's replay fails with 409, but that reply is lost as well."""
    fault(control, "lose_reply", method="events.insert", count=2)
    with pytest.raises(CONNECTION_ERRORS):
        svc.events().insert(calendarId="primary", body=event_body("lostrep03")).execute()
    assert control.calls()["events.insert"] == 2
    assert svc.events().get(calendarId="primary", eventId="lostrep03").execute()["id"]


def test_truncate_close_applies_the_write_and_cuts_the_answer_mid_body(svc, control):
    fault(control, "truncate", method="events.insert")     # httplib2 does not replay it
    with pytest.raises(CONNECTION_ERRORS):
        svc.events().insert(calendarId="primary", body=event_body("truncat01")).execute()
    assert control.calls()["events.insert"] == 1
    got = svc.events().get(calendarId="primary", eventId="truncat01").execute()
    assert got["summary"] == "Fault test"


def test_truncate_short_answers_half_a_body_that_looks_complete(emulator, alice, control):
    """Raw HTTP: a complete-looking 200 whose JSON stops half-way."""
    grant = json.loads(_post_form(emulator.emulator.token_url, {
        "grant_type": "refresh_token", "refresh_token": alice["refresh_token"],
        "client_id": alice["client_id"], "client_secret": alice["client_secret"]}))
    token = grant["access_token"]
    url = emulator.emulator.api_url + "calendars/primary/events"
    whole = _get(url, token)
    fault(control, "truncate", method="events.list", cut="short")
    status, headers, body = _get_raw(url, token)
    assert status == 200 and int(headers["Content-Length"]) == len(body) == len(whole) // 2
    with pytest.raises(ValueError):
        json.loads(body)
    assert json.loads(_get(url, token))["kind"] == "calendar#events"   # one request only


def test_truncate_of_an_answer_without_body_loses_it(svc, control):
    svc.events().insert(calendarId="primary", body=event_body("truncat02")).execute()
    fault(control, "truncate", method="events.delete", count=2)
    with pytest.raises(CONNECTION_ERRORS):
        svc.events().delete(calendarId="primary", eventId="truncat02").execute()
    assert svc.events().get(calendarId="primary",
                            eventId="truncat02").execute()["status"] == "cancelled"


def _post_form(url: str, form: dict) -> bytes:
    with urllib.request.urlopen(url, data=urllib.parse.urlencode(form).encode()) as answer:
        return answer.read()


def _get_raw(url: str, token: str) -> tuple[int, dict, bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path, headers={"Authorization": f"Bearer {token}"})
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    return answer.status, dict(answer.getheaders()), body


def _get(url: str, token: str) -> bytes:
    return _get_raw(url, token)[2]


def test_stats_count_per_method_and_reset(svc, control):
    warm(svc)
    assert control.calls() == {"oauth.token": 1, "events.list": 1}
    listing(svc).execute()
    svc.events().insert(calendarId="primary", body=event_body()).execute()
    svc.calendarList().list().execute()
    assert control.calls() == {"oauth.token": 1, "events.list": 2, "events.insert": 1,
                               "calendarList.list": 1}
    assert control.post("/stats/reset") == {"calls": {}}
    assert control.calls() == {}
    listing(svc).execute()
    assert control.calls() == {"events.list": 1}


@pytest.mark.parametrize("spec", [{"kind": "explode"}, {"kind": "error", "count": 0},
                                  {"kind": "delay", "seconds": "soon"},
                                  {"kind": "truncate", "cut": "sideways"}])
def test_nonsense_faults_are_refused(control, spec):
    status, body = control.request("POST", "/faults", spec)
    assert status == 400 and body["error"]["code"] == 400
    assert control.get("/faults")["faults"] == []
