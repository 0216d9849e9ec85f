"""A large calendar arrives complete, and every series expands, on the client side, to
exactly the instances Google's events.instances reports. The default run proves it on 600
generated events (with more than paging's 250 and every generated shape); the 3,000-event
run is marked slow."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
import recurring_ical_events
from icalendar import Calendar

CALDAV = "{urn:ietf:params:xml:ns:caldav}"
QUERY_ALL = ('<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" '
             'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/>'
             '</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
             '</C:comp-filter></C:filter></C:calendar-query>')
UTC = dt.timezone.utc


def all_google_events(svc, calendar_id: str) -> list[dict]:
    events, request = [], svc.events().list(calendarId=calendar_id, maxResults=2500)
    while request is not None:
        page = request.execute()
        events += page["items"]
        request = svc.events().list_next(request, page)
    return events


def google_instances(svc, calendar_id, master_id, start, end) -> set:
    page = svc.events().instances(calendarId=calendar_id, eventId=master_id, maxResults=2500,
                                  timeMin=start.isoformat(), timeMax=end.isoformat()).execute()
    return {_key(i["start"]) for i in page["items"] if i.get("status") != "cancelled"}


def _key(edt: dict):
    if "date" in edt:
        return dt.date.fromisoformat(edt["date"])
    return dt.datetime.fromisoformat(edt["dateTime"]).astimezone(UTC)


def client_occurrences(text: str, start, end) -> set:
    out = set()
    for event in recurring_ical_events.of(Calendar.from_ical(text)).between(start, end):
        value = event["DTSTART"].dt
        out.add(value.astimezone(UTC) if isinstance(value, dt.datetime) else value)
    return out


@pytest.mark.parametrize("size", [600, pytest.param(3000, marks=pytest.mark.slow)])
def test_a_large_calendar_arrives_complete(make_bridge, alice, svc, control, size):
    cal = alice["account"]
    control.post(f"/calendars/{cal}/events:bulk", {"generate": size, "seed": 11})
    server = make_bridge(alice)

    google = all_google_events(svc, cal)
    masters = {e["iCalUID"]: e for e in google if e.get("recurrence")}
    assert len(masters) > size // 10
    assert any("recurringEventId" in e and e.get("status") == "cancelled" for e in google)
    assert any("recurringEventId" in e and e.get("status") != "cancelled" for e in google)

    response = server.session.request("REPORT", server.calendar_url(cal), data=QUERY_ALL,
                                      headers={"Depth": "1", "Content-Type": "text/xml"})
    assert response.status_code == 207
    texts = {}
    for node in ET.fromstring(response.content).iter("{DAV:}response"):
        text = node.find(f".//{CALDAV}calendar-data").text
        texts[str(Calendar.from_ical(text).walk("VEVENT")[0]["UID"])] = text
    assert len(texts) == size
    assert set(texts) == {e["iCalUID"] for e in google}

    today = dt.datetime.now(UTC).replace(hour=3, minute=17, second=0, microsecond=0)
    start, end = today - dt.timedelta(days=200), today + dt.timedelta(days=200)
    for uid, master in masters.items():
        expected = google_instances(svc, cal, master["id"], start, end)
        assert client_occurrences(texts[uid], start, end) == expected, master["summary"]

    # A one-week time-range query (answered from the occurrence index) finds exactly the
    # events Google has in that week.
    for week_start in (today - dt.timedelta(days=30), today + dt.timedelta(days=45)):
        week_end = week_start + dt.timedelta(days=7)
        assert caldav_uids_between(server, cal, week_start, week_end) == \
            google_uids_between(svc, cal, week_start, week_end)


def caldav_uids_between(server, cal, start, end) -> set:
    fmt = "%Y%m%dT%H%M%SZ"
    query = QUERY_ALL.replace('<C:comp-filter name="VEVENT"/>',
                              f'<C:comp-filter name="VEVENT"><C:time-range start='
                              f'"{start.strftime(fmt)}" end="{end.strftime(fmt)}"/>'
                              '</C:comp-filter>')
    response = server.session.request("REPORT", server.calendar_url(cal), data=query,
                                      headers={"Depth": "1", "Content-Type": "text/xml"})
    assert response.status_code == 207
    return {str(Calendar.from_ical(node.find(f".//{CALDAV}calendar-data").text)
                .walk("VEVENT")[0]["UID"])
            for node in ET.fromstring(response.content).iter("{DAV:}response")}


def google_uids_between(svc, cal, start, end) -> set:
    uids, request = set(), svc.events().list(calendarId=cal, singleEvents=True, maxResults=2500,
                                             timeMin=start.isoformat(), timeMax=end.isoformat())
    while request is not None:
        page = request.execute()
        uids |= {e["iCalUID"] for e in page["items"]}
        request = svc.events().list_next(request, page)
    return uids
