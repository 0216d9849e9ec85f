"""No poison: an event at an edge of the time range — year 1, year 9999, DATE and DATE-TIME,
open-ended, zero-length — whether created on Google or PUT by a client, never breaks the
calendar: every CalDAV request on it still answers, and later changes still reach clients."""

from __future__ import annotations

import uuid

import pytest

QUERY = ('<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
         '<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
         '<C:comp-filter name="VEVENT"><C:time-range start="{start}" end="{end}"/>'
         '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>')
RANGES = [("20260101T000000Z", "20270101T000000Z"), ("00010101T000000Z", "00020101T000000Z"),
          ("99991201T000000Z", "99991231T235959Z")]

# Google-side shapes: (start, end, recurrence)
GOOGLE_EDGES = {
    "all-day 9999-12-31 zero-length": ({"date": "9999-12-31"}, {"date": "9999-12-31"}, None),
    "all-day 9999-12-31": ({"date": "9999-12-30"}, {"date": "9999-12-31"}, None),
    "all-day year 1": ({"date": "0001-01-01"}, {"date": "0001-01-02"}, None),
    "timed year 1": ({"dateTime": "0001-01-01T00:00:00Z"}, {"dateTime": "0001-01-01T01:00:00Z"},
                     None),
    "timed end of 9999": ({"dateTime": "9999-12-31T23:00:00Z"},
                          {"dateTime": "9999-12-31T23:59:59Z"}, None),
    "timed zero-length": ({"dateTime": "2026-06-01T10:00:00Z"},
                          {"dateTime": "2026-06-01T10:00:00Z"}, None),
    "open-ended daily near 9999": ({"date": "9999-12-01"}, {"date": "9999-12-02"},
                                   ["RRULE:FREQ=DAILY"]),
    "open-ended yearly from year 1": ({"date": "0001-03-01"}, {"date": "0001-03-02"},
                                      ["RRULE:FREQ=YEARLY"]),
}

VEVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
          "DTSTAMP:20260101T000000Z\r\n{lines}SUMMARY:edge\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
CLIENT_EDGES = {
    "all-day 9999-12-31 zero-length": "DTSTART;VALUE=DATE:99991231\r\nDTEND;VALUE=DATE:99991231\r\n",
    "all-day 9999-12-31": "DTSTART;VALUE=DATE:99991231\r\n",
    "all-day year 1": "DTSTART;VALUE=DATE:00010101\r\nDTEND;VALUE=DATE:00010102\r\n",
    "timed year 1": "DTSTART:00010101T000000Z\r\nDTEND:00010101T010000Z\r\n",
    "timed end of 9999": "DTSTART:99991231T230000Z\r\nDTEND:99991231T235959Z\r\n",
    "floating end of 9999": "DTSTART:99991231T235959\r\nDURATION:PT1S\r\n",
    "timed zero-length": "DTSTART:20260601T100000Z\r\nDTEND:20260601T100000Z\r\n",
    "open-ended daily near 9999": "DTSTART;VALUE=DATE:99991201\r\nRRULE:FREQ=DAILY\r\n",
    "open-ended yearly from year 1": "DTSTART;VALUE=DATE:00010301\r\nRRULE:FREQ=YEARLY\r\n",
    "date-time without end": "DTSTART:99991231T120000Z\r\n",
}


def assert_calendar_works(server, url: str) -> None:
    session = server.session
    listing = session.request("PROPFIND", url, headers={"Depth": "1"},
                              data='<propfind xmlns="DAV:"><prop><getetag/><getcontenttype/>'
                                   '</prop></propfind>')
    assert listing.status_code == 207, listing.text[:300]
    hrefs = [h for h in _hrefs(listing.text) if h.endswith(".ics")]
    for href in hrefs:
        got = session.get(server.url + href)
        assert got.status_code == 200, (href, got.status_code)
    for start, end in RANGES:
        report = session.request("REPORT", url, headers={"Depth": "1"},
                                 data=QUERY.format(start=start, end=end))
        assert report.status_code == 207, (start, report.status_code, report.text[:300])
    token, changes = server.sync_collection(url)
    assert token, changes
    multiget = session.request(
        "REPORT", url, headers={"Depth": "1"},
        data='<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
             '<D:prop><D:getetag/><C:calendar-data/></D:prop>'
             + "".join(f"<D:href>{h}</D:href>" for h in hrefs) + "</C:calendar-multiget>")
    assert multiget.status_code == 207, multiget.text[:300]


def _hrefs(text: str) -> list[str]:
    import re
    return re.findall(r"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>", text)


@pytest.mark.parametrize("edge", list(GOOGLE_EDGES))
def test_google_side_edge_event_does_not_poison_the_calendar(make_bridge, alice, svc, edge):
    start, end, recurrence = GOOGLE_EDGES[edge]
    body = {"summary": "edge", "start": start, "end": end}
    if recurrence:
        body["start"] = dict(start, timeZone="UTC")
        body["end"] = dict(end, timeZone="UTC")
        body["recurrence"] = recurrence
    cal = alice["account"]
    try:
        svc.events().insert(calendarId=cal, body=body).execute()
    except Exception as exc:    # Google (the emulator) refuses it: nothing can poison then
        pytest.skip(f"Google refuses this shape: {exc}")
    server = make_bridge(alice, freshness=0.01)
    url = server.calendar_url(cal)
    assert_calendar_works(server, url)
    svc.events().insert(calendarId=cal, body={
        "summary": "later", "start": {"dateTime": "2026-07-01T10:00:00Z"},
        "end": {"dateTime": "2026-07-01T11:00:00Z"}}).execute()
    server.restart()
    url = server.calendar_url(cal)
    assert_calendar_works(server, url)
    assert "later" in server.session.request(
        "REPORT", url, headers={"Depth": "1"},
        data='<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
             '<C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/>'
             '</C:filter></C:calendar-query>').text


@pytest.mark.parametrize("edge", list(CLIENT_EDGES))
def test_client_put_edge_event_does_not_poison_the_calendar(make_bridge, alice, edge):
    server = make_bridge(alice)
    url = server.calendar_url(alice["account"])
    uid = str(uuid.uuid4())
    answer = server.session.put(url + f"{uid}.ics",
                                data=VEVENT.format(uid=uid, lines=CLIENT_EDGES[edge]),
                                headers={"Content-Type": "text/calendar"})
    assert answer.status_code < 500, answer.text[:300]
    assert_calendar_works(server, url)
    other = str(uuid.uuid4())
    later = server.session.put(url + f"{other}.ics", data=VEVENT.format(
        uid=other, lines="DTSTART:20260701T100000Z\r\nDTEND:20260701T110000Z\r\n"),
        headers={"Content-Type": "text/calendar"})
    assert later.status_code == 201, later.text[:300]
    server.restart()
    assert_calendar_works(server, server.calendar_url(alice["account"]))
