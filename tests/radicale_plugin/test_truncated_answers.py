"""A Google answer cut off mid-body (the connection closed) or cut short (a complete-looking
answer whose JSON stops half-way) is no answer: never a client's 500. Reads are served from
the store, writes are resolved like a lost reply (Google applied them). Over HTTP, emulator
``truncate`` faults."""

from __future__ import annotations

import logging
import uuid

import pytest

from tests.radicale_plugin.test_writes_truthful import ical, live, on_google, put

CUTS = ["close", "short"]
QUERY = """<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:"
xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>
</c:filter></c:calendar-query>"""


@pytest.fixture
def rig(make_bridge, alice):
    server = make_bridge(alice, freshness=0)
    server.bridge.settings.sleep = lambda seconds: None     # retries without waiting
    return server, alice["account"], server.calendar_url(alice["account"])


def truncate(control, method: str, cut: str, count: int = 1) -> None:
    control.post("/faults", {"kind": "truncate", "method": method, "cut": cut,
                             "count": count})


@pytest.mark.parametrize("cut", CUTS)
def test_a_read_whose_listing_is_truncated_is_served(rig, control, cut, caplog):
    server, cal, url = rig
    made = control.post(f"/calendars/{cal}/events", {
        "summary": "From Google", "start": {"dateTime": "2026-07-01T09:00:00Z"},
        "end": {"dateTime": "2026-07-01T10:00:00Z"}})
    truncate(control, "events.list", cut, count=10)      # every retry of the sync, too
    answer = server.session.request("REPORT", url, data=QUERY,
                                    headers={"Depth": "1", "Content-Type": "text/xml"})
    assert answer.status_code == 207, answer.text
    # A failed sync (a warning), not a bug's traceback.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    control.request("DELETE", "/faults")
    answer = server.session.request("REPORT", url, data=QUERY,
                                    headers={"Depth": "1", "Content-Type": "text/xml"})
    assert made["id"] in answer.text or made["iCalUID"].split("@")[0] in answer.text


@pytest.mark.parametrize("cut", CUTS)
def test_a_create_whose_answer_is_truncated_is_a_success(rig, svc, control, cut):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    truncate(control, "events.insert", cut)
    answer = put(server, url + f"{uid}.ics", ical(uid), **{"If-None-Match": "*"})
    assert answer.status_code == 201, answer.text
    assert [e["summary"] for e in live(on_google(svc, cal, uid))] == ["Planning"]


@pytest.mark.parametrize("cut", CUTS)
def test_a_modify_whose_answers_are_truncated_is_a_success(rig, svc, control, cut):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    assert put(server, url + f"{uid}.ics", ical(uid)).status_code == 201
    truncate(control, "events.patch", cut, count=10)
    answer = put(server, url + f"{uid}.ics", ical(uid, "Renamed"))
    assert answer.status_code == 204, answer.text
    assert [e["summary"] for e in live(on_google(svc, cal, uid))] == ["Renamed"]
    assert "SUMMARY:Renamed" in server.session.get(url + f"{uid}.ics").text


@pytest.mark.parametrize("cut", CUTS)
def test_a_write_whose_settling_sync_is_truncated_is_answered(rig, svc, control, cut):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    truncate(control, "events.list", cut, count=10)
    answer = put(server, url + f"{uid}.ics", ical(uid))
    assert answer.status_code == 201, answer.text
    assert len(live(on_google(svc, cal, uid))) == 1
