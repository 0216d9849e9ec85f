"""A client's iCalendar → Google fields (bridge.translate.parse): the time-zone and recurrence
cases the fidelity corpus found, and what is kept as sent (the shadow)."""

from __future__ import annotations

import pytest

from bridge.translate import CalendarContext, parse, render, shadow

# icalendar warns that it guesses Europe/Berlin from a vendor-prefixed TZID: what we rely on.
pytestmark = pytest.mark.filterwarnings("ignore::icalendar.error.GloballyUniqueTZIDGuessed")

CUSTOM_NEW_YORK = """BEGIN:VTIMEZONE\r
TZID:Customized Time Zone\r
BEGIN:STANDARD\r
DTSTART:16011104T020000\r
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r
TZOFFSETFROM:-0400\r
TZOFFSETTO:-0500\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010311T020000\r
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r
TZOFFSETFROM:-0500\r
TZOFFSETTO:-0400\r
END:DAYLIGHT\r
END:VTIMEZONE\r
"""


def ical(body: str, head: str = "") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" + head
            + "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20260101T000000Z\r\n" + body
            + "END:VEVENT\r\nEND:VCALENDAR\r\n")


def master(text: str, zone: str = "Europe/Berlin") -> dict:
    return parse(text, zone).master.fields


@pytest.mark.parametrize("tzid, head, zone", [
    ('"W. Europe Standard Time"', "", "Europe/Berlin"),               # Windows, no VTIMEZONE
    ("/freeassociation.sourceforge.net/Europe/Berlin", "", "Europe/Berlin"),   # vendor prefix
    ('"Customized Time Zone"', CUSTOM_NEW_YORK, "America/New_York"),  # not America/Havana
])
def test_client_zone_names_become_iana_zones(tzid, head, zone):
    fields = master(ical(f"DTSTART;TZID={tzid}:20261022T090000\r\n"
                         f"DTEND;TZID={tzid}:20261022T100000\r\n", head))
    assert fields["start"]["timeZone"] == zone
    assert fields["end"]["timeZone"] == zone


def test_an_unknown_zone_keeps_the_instant_and_a_floating_time_takes_the_calendars():
    odd = ("BEGIN:VTIMEZONE\r\nTZID:Nowhere\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
           "TZOFFSETFROM:+0537\r\nTZOFFSETTO:+0537\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
    fields = master(ical("DTSTART;TZID=Nowhere:20260601T090000\r\n", odd), "Asia/Tokyo")
    assert fields["start"] == {"dateTime": "2026-06-01T12:23:00+09:00", "timeZone": "Asia/Tokyo"}
    fields = master(ical("DTSTART:20260601T090000\r\n"), "Asia/Tokyo")
    assert fields["start"] == {"dateTime": "2026-06-01T09:00:00+09:00", "timeZone": "Asia/Tokyo"}


def test_x_wr_timezone_exports_mean_their_utc_times_in_that_zone():
    text = ical("DTSTART:20261020T230000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n",
                ).replace("PRODID:-//test//EN\r\n", "PRODID:x\r\nX-WR-TIMEZONE:America/New_York\r\n")
    assert master(text)["start"] == {"dateTime": "2026-10-20T19:00:00-04:00",
                                     "timeZone": "America/New_York"}


def test_a_wall_time_in_the_dst_gap_reads_as_the_real_instant():
    # 02:30 does not exist on 29 March 2026 in Berlin; Google reports it back as 03:30.
    fields = master(ical("DTSTART;TZID=Europe/Berlin:20260329T023000\r\n"))
    assert fields["start"]["dateTime"] == "2026-03-29T03:30:00+02:00"


def test_recurrence_dates_are_sent_in_the_series_zone():
    text = ical('DTSTART;TZID="W. Europe Standard Time":20261013T100000\r\n'
                "RRULE:FREQ=WEEKLY;UNTIL=20261110T100000\r\n"
                'EXDATE;TZID="W. Europe Standard Time":20261027T100000\r\n'
                "RDATE:20261031T100000\r\n")
    assert master(text)["recurrence"] == [
        "RRULE:FREQ=WEEKLY;UNTIL=20261110T090000Z",                  # floating → UTC
        "RDATE;TZID=Europe/Berlin:20261031T100000",                  # floating → series zone
        "EXDATE;TZID=Europe/Berlin:20261027T100000",                 # Windows → IANA
    ]


def google_view(text: str, zone: str = "Europe/Berlin", **google) -> str:
    """What the client reads back once Google holds the parsed fields (and ``google``)."""
    parsed = parse(text, zone)
    event = {**parsed.master.fields, "id": "g1", "iCalUID": parsed.uid, **google}
    return shadow.apply(render([event], CalendarContext(zone)), parsed.shadows(), zone).text


def test_kept_as_sent_until_google_holds_something_else():
    text = ical("DTSTART:20260601T090000Z\r\nSUMMARY;LANGUAGE=de:Besprechung\r\nCOLOR:tomato\r\n"
                "ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO=\"mailto:b@example.com\":"
                "MAILTO:A@example.com\r\n")
    shown = google_view(text)
    assert "SUMMARY;LANGUAGE=de:Besprechung" in shown and "COLOR:tomato" in shown
    assert 'PARTSTAT=DELEGATED:MAILTO:A@example.com' in shown.replace("\r\n ", "")
    changed = google_view(text, colorId="9", summary="Meeting", attendees=[
        {"email": "a@example.com", "responseStatus": "accepted"}])
    assert "SUMMARY:Meeting" in changed and "COLOR:cornflowerblue" in changed
    assert "ATTENDEE;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:a@example.com" in changed


def test_a_clients_alarms_and_own_conference_come_back_as_sent():
    alarm = ("BEGIN:VALARM\r\nACTION:AUDIO\r\nTRIGGER:-PT10M\r\nATTACH;VALUE=URI:Chord\r\n"
             "X-WR-ALARMUID:A1\r\nEND:VALARM\r\n")
    text = ical("DTSTART:20260601T090000Z\r\nCONFERENCE;VALUE=URI:https://zoom.us/j/1\r\n"
                + alarm + alarm.replace("A1", "A2"))
    parsed = parse(text, "UTC")
    assert parsed.master.fields["reminders"] == {
        "useDefault": False, "overrides": [{"method": "popup", "minutes": 10}]}
    shown = google_view(text, "UTC")
    assert shown.count("ACTION:AUDIO") == 2 and "X-WR-ALARMUID:A2" in shown
    assert "CONFERENCE;VALUE=URI:https://zoom.us/j/1" in shown
    # Google's own conference lines are marked and left to Google, never kept.
    google = render([{"id": "g", "iCalUID": "g", "start": {"dateTime": "2026-06-01T09:00:00Z"},
                      "end": {"dateTime": "2026-06-01T10:00:00Z"},
                      "hangoutLink": "https://meet.google.com/x"}], CalendarContext("UTC"))
    assert parse(google.text, "UTC").shadows() == {}
