"""Discovery through a real CalDAV client: every calendar, names, colours, read-only ones."""

from __future__ import annotations

import pytest
from caldav.elements import ical


@pytest.fixture
def shared_setup(control, new_account):
    alice = new_account("alice")
    bob = new_account("bob")
    work = control.post("/calendars", {"owner": alice["account"], "summary": "Work",
                                       "time_zone": "Europe/Berlin", "color_id": "9"})
    team = control.post("/calendars", {"owner": bob["account"], "summary": "Team holidays",
                                       "description": "Bob's team"})
    control.post(f"/calendars/{team['id']}/acl", {"email": alice["account"], "role": "reader"})
    return alice, work, team


def test_discovery_lists_every_calendar_with_names_and_colours(make_bridge, shared_setup):
    alice, work, team = shared_setup
    server = make_bridge(alice)
    calendars = server.client().principal().calendars()
    names = sorted(c.get_display_name() for c in calendars)
    assert names == sorted([alice["account"], "Work", "Team holidays"])
    by_name = {c.get_display_name(): c for c in calendars}
    color = by_name["Work"].get_property(ical.CalendarColor())
    assert color.lower() == "#7bd148"        # Google calendar palette id 9
    assert by_name["Work"].get_supported_components() == ["VEVENT"]


def test_put_to_a_read_only_calendar_is_refused(make_bridge, shared_setup):
    alice, _, team = shared_setup
    server = make_bridge(alice)
    url = server.calendar_url(team["id"]) + "new.ics"
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:new-1\r\n"
            "DTSTAMP:20260101T000000Z\r\nDTSTART:20260101T100000Z\r\nSUMMARY:x\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    response = server.session.put(url, data=body, headers={"Content-Type": "text/calendar"})
    assert response.status_code == 403
