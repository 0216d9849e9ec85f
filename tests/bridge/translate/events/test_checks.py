"""What from_ical.parse refuses before anything reaches Google (checks.py), and what it reads
as meant: RECURRENCE-IDs of another value type, zero-length all-day events, a resource's own
definition of a customised zone, a default reminder whose time changed. Pure."""

from __future__ import annotations

import pytest

from bridge.translate import ICalError, parse

ZONE = "Europe/Berlin"


def ical(*vevents: str, head: str = "") -> str:
    body = "".join(f"BEGIN:VEVENT\r\nUID:u\r\nDTSTAMP:20260101T000000Z\r\n{v}END:VEVENT\r\n"
                   for v in vevents)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{head}{body}END:VCALENDAR\r\n"


TIMED = "DTSTART:20260601T100000Z\r\n"
SERIES = ("DTSTART;TZID=Europe/Berlin:20260601T090000\r\n"
          "DTEND;TZID=Europe/Berlin:20260601T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n")


@pytest.mark.parametrize("body, named", [
    (TIMED + "DTEND:20260601T090000Z\r\n", "DTEND is before DTSTART"),
    ("DTSTART;VALUE=DATE:20260602\r\nDTEND;VALUE=DATE:20260601\r\n", "DTEND is before"),
    ("DTSTART;VALUE=DATE:20260602\r\nDTEND:20260603T000000Z\r\n", "DTEND must be a DATE"),
    (TIMED + "DURATION:-PT1H\r\n", "DURATION is negative"),
    (TIMED + "RRULE:FREQ=DAILY;COUNT=-1\r\n", "RRULE has COUNT below 1"),
    (TIMED + "RRULE:FREQ=DAILY;COUNT=3;UNTIL=20260701T000000Z\r\n", "both COUNT and UNTIL"),
    (TIMED + "RRULE:FREQ=DAILY;INTERVAL=0\r\n", "INTERVAL below 1"),
])
def test_impossible_values_are_refused_naming_the_property(body, named):
    with pytest.raises(ICalError, match=named):
        parse(ical(body), ZONE)


@pytest.mark.parametrize("override, named", [
    ("RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:20260608T090000\r\n" + TIMED,
     "RANGE=THISANDFUTURE"),
    ("RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r\nDTSTART;VALUE=DATE:20260608\r\n",
     "all-day override"),
])
def test_overrides_google_cannot_hold_are_refused(override, named):
    with pytest.raises(ICalError, match=named):
        parse(ical(SERIES, override), ZONE)


def test_two_overrides_of_one_occurrence_are_refused():
    override = "RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r\n" + TIMED
    with pytest.raises(ICalError, match="same RECURRENCE-ID"):
        parse(ical(SERIES, override, override), ZONE)


@pytest.mark.parametrize("rid", ["RECURRENCE-ID;VALUE=DATE:20260608",
                                 "RECURRENCE-ID:20260608T070000Z",
                                 "RECURRENCE-ID;TZID=America/New_York:20260608T030000"])
def test_a_recurrence_id_names_the_instance_whatever_its_type_or_zone(rid):
    parsed = parse(ical(SERIES, f"{rid}\r\nDTSTART:20260608T120000Z\r\n"), ZONE)
    assert list(parsed.overrides) == ["20260608T070000Z"]


def test_a_date_time_recurrence_id_of_an_all_day_series_names_its_day():
    series = "DTSTART;VALUE=DATE:20260601\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n"
    override = "RECURRENCE-ID;TZID=Europe/Berlin:20260608T000000\r\nDTSTART;VALUE=DATE:20260609\r\n"
    assert list(parse(ical(series, override), ZONE).overrides) == ["20260608"]


def test_a_zero_length_all_day_event_is_one_day():
    parsed = parse(ical("DTSTART;VALUE=DATE:20260601\r\nDTEND;VALUE=DATE:20260601\r\n"), ZONE)
    assert parsed.master.fields["end"] == {"date": "2026-06-02"}


# A TZID of these tests' own: icalendar's process-wide cache (the bug tested) would otherwise
# hand other tests in this process (the corpus' "Customized Time Zone") this definition.
def custom_zone(offset: str) -> str:
    return ("BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone (checks)\r\nBEGIN:STANDARD\r\n"
            f"DTSTART:16010101T000000\r\nTZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\n"
            "END:STANDARD\r\nEND:VTIMEZONE\r\n")


def test_each_resource_reads_its_own_customised_zone():
    body = "DTSTART;TZID=Customized Time Zone (checks):20260601T090000\r\n"
    first = parse(ical(body, head=custom_zone("+0530")), ZONE).master.fields["start"]
    second = parse(ical(body, head=custom_zone("-0300")), ZONE).master.fields["start"]
    assert first["dateTime"].endswith("+05:30") and second["dateTime"].endswith("-03:00")


def test_a_default_reminder_whose_time_changed_is_an_override():
    alarm = ("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT30M\r\n"
             "X-GOOGLE-DEFAULT-REMINDER:TRUE\r\nEND:VALARM\r\n")
    text = ical(TIMED + alarm)
    defaults = ({"method": "popup", "minutes": 10},)
    assert parse(text, ZONE, defaults).master.fields["reminders"] == {
        "useDefault": False, "overrides": [{"method": "popup", "minutes": 30}]}
    unchanged = text.replace("-PT30M", "-PT10M")
    assert parse(unchanged, ZONE, defaults).master.fields["reminders"] == {"useDefault": True}
