"""Google events → one VCALENDAR per iCalUID (bridge.translate.render) and colour mapping."""

from __future__ import annotations

import copy
import hashlib
import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import radicale.item as radicale_item
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from icalendar.parser import rfc_6868_unescape

from bridge.model import END_OF_TIME
from bridge.translate import (PRODID, CalendarContext, color_id_for_css_name,
                              css_name_for_color_id, render)
from bridge.translate.colors import CSS3_COLORS, GOOGLE_EVENT_COLORS

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
CTX = CalendarContext(time_zone="Europe/Berlin",
                      default_reminders=({"method": "popup", "minutes": 10},))


def ts(*args, tz=UTC) -> int:
    return int(datetime(*args, tzinfo=tz).timestamp())


def event(**fields) -> dict:
    base = {
        "kind": "calendar#event", "etag": '"3372702442484000"', "id": "abc123",
        "status": "confirmed", "htmlLink": "https://www.google.com/calendar/event?eid=YWJj",
        "created": "2026-11-20T10:00:00.000Z", "updated": "2026-11-20T10:05:12.345Z",
        "summary": "Dentist", "iCalUID": "abc123@google.com", "sequence": 0,
        "creator": {"email": "me@example.com", "self": True},
        "organizer": {"email": "me@example.com", "self": True},
        "start": {"dateTime": "2026-12-01T09:00:00+01:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2026-12-01T10:00:00+01:00", "timeZone": "Europe/Berlin"},
        "reminders": {"useDefault": True}, "eventType": "default",
    }
    base.update(fields)
    return base


def weekly_series(rule="RRULE:FREQ=WEEKLY;BYDAY=MO", **fields):
    master = event(id="s1", iCalUID="s1@google.com", summary="Standup", sequence=2,
                   start={"dateTime": "2026-06-01T09:00:00+02:00", "timeZone": "Europe/Berlin"},
                   end={"dateTime": "2026-06-01T09:30:00+02:00", "timeZone": "Europe/Berlin"},
                   recurrence=[rule], **fields)
    moved = event(id="s1_20260608T070000Z", iCalUID="s1@google.com", summary="Standup (moved)",
                  sequence=3, recurringEventId="s1",
                  originalStartTime={"dateTime": "2026-06-08T09:00:00+02:00",
                                     "timeZone": "Europe/Berlin"},
                  start={"dateTime": "2026-06-08T11:00:00+02:00", "timeZone": "Europe/Berlin"},
                  end={"dateTime": "2026-06-08T11:30:00+02:00", "timeZone": "Europe/Berlin"})
    removed = {"kind": "calendar#event", "etag": '"1"', "id": "s1_20260615T070000Z",
               "status": "cancelled", "recurringEventId": "s1",
               "originalStartTime": {"dateTime": "2026-06-15T07:00:00Z", "timeZone": "UTC"}}
    return master, moved, removed


def parse(rendered) -> Calendar:
    assert rendered is not None
    assert "\r\n" in rendered.text and "\n" not in rendered.text.replace("\r\n", "")
    return Calendar.from_ical(rendered.text)


@pytest.fixture(autouse=True, scope="module")
def vobject_uses_tzdata():
    """vobject (Radicale's parser) keeps one process-wide TZID → tzinfo map in which the
    *first* VTIMEZONE parsed for a TZID wins, so the server should pin tzdata zones
    before parsing; do the same here so time-range comparisons don't depend on test order."""
    import vobject.icalendar
    for tzid in ("Europe/Berlin", "America/New_York"):
        vobject.icalendar.registerTzid(tzid, ZoneInfo(tzid))


def radicale_accepts(rendered) -> radicale_item.Item:
    """What the server does with the text: an Item, and the PUT-time sanity checks."""
    item = radicale_item.Item(collection_path="u/c", text=rendered.text)
    assert item.uid == rendered.uid
    assert item.component_name == "VEVENT"
    components = radicale_item.read_components(rendered.text)
    radicale_item.check_and_sanitize_items(components, max_vevent_rrule_occurrence=1000,
                                           tag="VCALENDAR")
    assert item.etag == rendered.etag
    return item


def only(cal: Calendar, name: str):
    found = cal.walk(name)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- single events and zones


def test_timed_single_event_in_named_zone():
    rendered = render([event()], CTX)
    cal = parse(rendered)
    assert str(cal["PRODID"]) == PRODID and str(cal["VERSION"]) == "2.0"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    vevent = only(cal, "VEVENT")
    assert str(vevent["UID"]) == "abc123@google.com" == rendered.uid
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent["DTSTART"].dt == datetime(2026, 12, 1, 9, tzinfo=BERLIN)
    assert vevent["DTEND"].dt == datetime(2026, 12, 1, 10, tzinfo=BERLIN)
    assert "DTSTART;TZID=Europe/Berlin:20261201T090000" in rendered.text
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/Berlin"]
    assert cal.get_missing_tzids() == set()
    assert (rendered.start, rendered.end) == (ts(2026, 12, 1, 8), ts(2026, 12, 1, 9))
    assert rendered.recurring is False
    assert rendered.etag == '"%s"' % hashlib.sha256(rendered.text.encode()).hexdigest()
    assert "RRULE" not in vevent and "RECURRENCE-ID" not in vevent
    # timestamps come from Google's fields, never the clock; no URL (htmlLink) on purpose
    assert vevent["DTSTAMP"].dt == datetime(2026, 11, 20, 10, 5, 12, tzinfo=UTC)
    assert vevent["LAST-MODIFIED"].dt == vevent["DTSTAMP"].dt
    assert vevent["CREATED"].dt == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert "URL" not in vevent and "X-GOOGLE-EVENT-TYPE" not in vevent
    assert int(vevent["SEQUENCE"]) == 0 and str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["TRANSP"]) == "OPAQUE" and "CLASS" not in vevent
    item = radicale_accepts(rendered)
    assert item.time_range == (rendered.start, rendered.end)


def test_vtimezone_range_depends_only_on_the_data():
    text = render([event()], CTX).text
    assert "This timezone only works from 2026-01-01 to 2027-01-01." in text
    later = render([event(start={"dateTime": "2031-07-01T09:00:00+02:00",
                                 "timeZone": "Europe/Berlin"},
                          end={"dateTime": "2031-07-01T10:00:00+02:00",
                               "timeZone": "Europe/Berlin"})], CTX).text
    assert "from 2031-01-01 to 2032-01-01" in later


def test_event_zone_wins_over_calendar_zone_and_offset_is_converted():
    rendered = render([event(start={"dateTime": "2026-12-01T15:00:00Z",
                                    "timeZone": "America/New_York"},
                             end={"dateTime": "2026-12-01T16:00:00Z"})], CTX)
    vevent = only(parse(rendered), "VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "America/New_York"
    assert vevent["DTSTART"].dt == datetime(2026, 12, 1, 10, tzinfo=NEW_YORK)
    # an end without its own zone follows the start's zone
    assert vevent["DTEND"].params["TZID"] == "America/New_York"
    # no timeZone at all → the calendar's zone
    rendered = render([event(start={"dateTime": "2026-12-01T15:00:00Z"},
                             end={"dateTime": "2026-12-01T16:00:00Z"})], CTX)
    vevent = only(parse(rendered), "VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent["DTSTART"].dt.hour == 16


def test_start_and_end_in_different_zones_get_a_vtimezone_each():
    flight = event(start={"dateTime": "2026-12-01T10:00:00+01:00", "timeZone": "Europe/Berlin"},
                   end={"dateTime": "2026-12-01T13:00:00-05:00", "timeZone": "America/New_York"})
    rendered = render([flight], CTX)
    cal = parse(rendered)
    assert sorted(tz.tz_name for tz in cal.timezones) == ["America/New_York", "Europe/Berlin"]
    assert only(cal, "VEVENT")["DTEND"].params["TZID"] == "America/New_York"
    assert rendered.end - rendered.start == 9 * 3600
    radicale_accepts(rendered)


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC"])
def test_utc_event_uses_z_values_and_no_vtimezone(zone):
    rendered = render([event(start={"dateTime": "2026-06-01T14:00:00Z", "timeZone": zone},
                             end={"dateTime": "2026-06-01T14:30:00Z", "timeZone": zone})], CTX)
    cal = parse(rendered)
    assert cal.timezones == []
    assert "DTSTART:20260601T140000Z" in rendered.text
    assert "DTEND:20260601T143000Z" in rendered.text
    assert "TZID" not in rendered.text
    radicale_accepts(rendered)


def test_unknown_zone_falls_back_to_the_calendar_zone_keeping_the_instant():
    rendered = render([event(start={"dateTime": "2026-12-01T09:00:00+01:00",
                                    "timeZone": "Mars/Olympus_Mons"},
                             end={"dateTime": "2026-12-01T10:00:00+01:00"})], CTX)
    vevent = only(parse(rendered), "VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert rendered.start == ts(2026, 12, 1, 8)


def test_all_day_single_and_multi_day():
    one = render([event(start={"date": "2026-01-29"}, end={"date": "2026-01-30"})], CTX)
    vevent = only(parse(one), "VEVENT")
    assert vevent["DTSTART"].dt == date(2026, 1, 29)
    assert vevent["DTEND"].dt == date(2026, 1, 30)
    assert "DTSTART;VALUE=DATE:20260129" in one.text
    assert parse(one).timezones == []
    # bounds: local midnight in the calendar's zone
    assert (one.start, one.end) == (ts(2026, 1, 29, tz=BERLIN), ts(2026, 1, 30, tz=BERLIN))
    radicale_accepts(one)

    three = render([event(start={"date": "2026-03-27"}, end={"date": "2026-03-30"})], CTX)
    vevent = only(parse(three), "VEVENT")
    assert (vevent["DTSTART"].dt, vevent["DTEND"].dt) == (date(2026, 3, 27), date(2026, 3, 30))
    assert three.end - three.start == 3 * 86400 - 3600  # spans the switch to summer time


def test_end_time_unspecified_still_has_dtend():
    rendered = render([event(endTimeUnspecified=True)], CTX)
    assert "DTEND" in only(parse(rendered), "VEVENT")


def test_plain_properties():
    rendered = render([event(status="tentative", transparency="transparent",
                             visibility="confidential", sequence=7, location="Room 1, 2nd floor",
                             description="<b>bring</b> the forms; all of them\nthanks",
                             eventType="focusTime",
                             extendedProperties={"private": {"gcaldav-x-foo": "bar"}})], CTX)
    vevent = only(parse(rendered), "VEVENT")
    assert str(vevent["STATUS"]) == "TENTATIVE"
    assert str(vevent["TRANSP"]) == "TRANSPARENT"
    assert str(vevent["CLASS"]) == "CONFIDENTIAL"
    assert int(vevent["SEQUENCE"]) == 7
    assert str(vevent["LOCATION"]) == "Room 1, 2nd floor"
    assert str(vevent["DESCRIPTION"]) == "<b>bring</b> the forms; all of them\nthanks"
    assert str(vevent["X-GOOGLE-EVENT-TYPE"]) == "focusTime"
    assert "gcaldav" not in rendered.text.lower().replace(PRODID.lower(), "")
    for visibility, klass in [("private", "PRIVATE"), ("public", "PUBLIC")]:
        vevent = only(parse(render([event(visibility=visibility)], CTX)), "VEVENT")
        assert str(vevent["CLASS"]) == klass
    assert "CLASS" not in only(parse(render([event(visibility="default")], CTX)), "VEVENT")


def test_literal_backslash_n_is_not_turned_into_a_line_break():
    rendered = render([event(summary="C:\\New folder", description="a\\nb \\N c")], CTX)
    vevent = only(parse(rendered), "VEVENT")
    assert str(vevent["SUMMARY"]) == "C:\\New folder"
    assert str(vevent["DESCRIPTION"]) == "a\\nb \\N c"


# ---------------------------------------------------------------- recurrence


def test_weekly_series_with_modified_and_cancelled_instance():
    master, moved, removed = weekly_series()
    rendered = render([master, moved, removed], CTX)
    cal = parse(rendered)
    first, second = cal.walk("VEVENT")
    assert "RECURRENCE-ID" not in first
    assert first["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=MO"
    assert first["EXDATE"].params["TZID"] == "Europe/Berlin"
    assert [d.dt for d in first["EXDATE"].dts] == [datetime(2026, 6, 15, 9, tzinfo=BERLIN)]
    assert second["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert second["RECURRENCE-ID"].dt == datetime(2026, 6, 8, 9, tzinfo=BERLIN)
    assert second["DTSTART"].dt == datetime(2026, 6, 8, 11, tzinfo=BERLIN)
    assert str(second["SUMMARY"]) == "Standup (moved)" and int(second["SEQUENCE"]) == 3
    assert {str(v["UID"]) for v in cal.walk("VEVENT")} == {"s1@google.com"}
    assert rendered.recurring is True
    assert rendered.start == ts(2026, 6, 1, 7) and rendered.end == END_OF_TIME
    assert "from 2026-01-01 to 2038-01-01" in rendered.text  # open-ended: fixed horizon
    item = radicale_accepts(rendered)
    assert item.time_range == (rendered.start, rendered.end)


def test_recurrence_id_uses_the_masters_zone_even_if_google_reports_utc():
    master, moved, _ = weekly_series()
    moved = dict(moved, originalStartTime={"dateTime": "2026-06-08T07:00:00Z", "timeZone": "UTC"})
    second = parse(render([master, moved], CTX)).walk("VEVENT")[1]
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000" in second.to_ical().decode()


def test_utc_series_exceptions_use_z_values():
    master = event(id="m1", iCalUID="m1@google.com", recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO"],
                   start={"dateTime": "2026-06-01T14:00:00Z", "timeZone": "UTC"},
                   end={"dateTime": "2026-06-01T14:30:00Z", "timeZone": "UTC"})
    moved = event(id="m1_20260608T140000Z", iCalUID="m1@google.com", recurringEventId="m1",
                  originalStartTime={"dateTime": "2026-06-08T14:00:00Z", "timeZone": "UTC"},
                  start={"dateTime": "2026-06-08T16:00:00Z"}, end={"dateTime": "2026-06-08T16:30:00Z"})
    removed = {"id": "m1_20260615T140000Z", "status": "cancelled", "recurringEventId": "m1",
               "originalStartTime": {"dateTime": "2026-06-15T14:00:00Z", "timeZone": "UTC"}}
    rendered = render([master, moved, removed], CTX)
    assert "EXDATE:20260615T140000Z" in rendered.text
    assert "RECURRENCE-ID:20260608T140000Z" in rendered.text
    radicale_accepts(rendered)


def test_all_day_series_with_exdate_as_date():
    master = event(id="b1", iCalUID="b1@google.com", summary="Bins", recurrence=[
        "RRULE:FREQ=WEEKLY;COUNT=5"], start={"date": "2026-01-05"}, end={"date": "2026-01-06"})
    moved = event(id="b1_20260112", iCalUID="b1@google.com", recurringEventId="b1",
                  originalStartTime={"date": "2026-01-12"},
                  start={"date": "2026-01-13"}, end={"date": "2026-01-14"})
    removed = {"id": "b1_20260119", "status": "cancelled", "recurringEventId": "b1",
               "originalStartTime": {"date": "2026-01-19"}}
    rendered = render([removed, moved, master], CTX)
    cal = parse(rendered)
    first, second = cal.walk("VEVENT")
    assert "EXDATE;VALUE=DATE:20260119" in rendered.text
    assert [d.dt for d in first["EXDATE"].dts] == [date(2026, 1, 19)]
    assert second["RECURRENCE-ID"].dt == date(2026, 1, 12)
    assert "RECURRENCE-ID;VALUE=DATE:20260112" in rendered.text
    assert cal.timezones == []
    assert rendered.start == ts(2026, 1, 5, tz=BERLIN)
    assert rendered.end == ts(2026, 2, 3, tz=BERLIN)  # 5th occurrence: Feb 2, ends Feb 3
    item = radicale_accepts(rendered)
    assert item.time_range[1] >= rendered.end


def test_recurrence_lines_are_copied_through_icalendar():
    master = event(recurrence=["RRULE:FREQ=DAILY;UNTIL=20261210T225959Z",
                               "EXDATE;TZID=America/New_York:20261203T030000",
                               "RDATE;TZID=Europe/Berlin:20261224T090000",
                               "EXRULE:FREQ=WEEKLY;BYDAY=SU", "NONSENSE:1", "RRULE:GARBAGE"])
    rendered = render([master], CTX)
    vevent = only(parse(rendered), "VEVENT")
    assert vevent["RRULE"].to_ical() == b"FREQ=DAILY;UNTIL=20261210T225959Z"
    assert vevent["EXDATE"].params["TZID"] == "America/New_York"
    assert vevent["RDATE"].dts[0].dt == datetime(2026, 12, 24, 9, tzinfo=BERLIN)
    assert vevent["EXRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=SU"
    assert "NONSENSE" not in rendered.text and "GARBAGE" not in rendered.text
    # a zone only used by an EXDATE still gets its VTIMEZONE
    assert sorted(tz.tz_name for tz in parse(rendered).timezones) == [
        "America/New_York", "Europe/Berlin"]
    assert rendered.end == ts(2026, 12, 24, 10, tz=BERLIN)  # the RDATE is the last occurrence
    radicale_accepts(rendered)


def test_cancelled_instance_already_excluded_by_the_rule_is_not_duplicated():
    master, _, removed = weekly_series(
        rule="RRULE:FREQ=WEEKLY;BYDAY=MO")
    master["recurrence"].append("EXDATE;TZID=Europe/Berlin:20260615T090000")
    rendered = render([master, removed], CTX)
    assert rendered.text.count("20260615T090000") == 1


def test_instance_only_invitation():
    moved = event(id="x_20260608T070000Z", iCalUID="x@google.com", recurringEventId="x",
                  originalStartTime={"dateTime": "2026-06-08T09:00:00+02:00",
                                     "timeZone": "Europe/Berlin"},
                  start={"dateTime": "2026-06-08T11:00:00+02:00", "timeZone": "Europe/Berlin"},
                  end={"dateTime": "2026-06-08T12:00:00+02:00", "timeZone": "Europe/Berlin"})
    other = event(id="x_20260601T070000Z", iCalUID="x@google.com", recurringEventId="x",
                  originalStartTime={"dateTime": "2026-06-01T07:00:00Z", "timeZone": "UTC"},
                  start={"dateTime": "2026-06-01T07:00:00Z"}, end={"dateTime": "2026-06-01T08:00:00Z"})
    removed = {"id": "x_20260615T070000Z", "status": "cancelled", "recurringEventId": "x",
               "originalStartTime": {"dateTime": "2026-06-15T07:00:00Z"}}
    rendered = render([moved, removed, other], CTX)
    cal = parse(rendered)
    # No master on Google: a stand-in (RFC 5545 allows overrides alone, Radicale does not
    # store two of them) at the first original start, with RDATEs for the others, all of
    # whose occurrences are overridden; the write path never sends it to Google.
    stand_in, *overrides = cal.walk("VEVENT")
    assert str(stand_in["X-GOOGLE-SYNTHETIC-MASTER"]) == "TRUE" and "RRULE" not in stand_in
    assert stand_in["DTSTART"].dt == datetime(2026, 6, 1, 7, tzinfo=UTC)
    assert [d.dt for d in stand_in["RDATE"].dts] == [datetime(2026, 6, 8, 7, tzinfo=UTC)]
    assert all("RECURRENCE-ID" in v and "EXDATE" not in v for v in overrides)
    assert [v["RECURRENCE-ID"].dt for v in overrides] == [
        datetime(2026, 6, 1, 7, tzinfo=UTC), datetime(2026, 6, 8, 7, tzinfo=UTC)]
    assert [v["DTSTART"].dt for v in overrides] == [
        datetime(2026, 6, 1, 7, tzinfo=UTC), datetime(2026, 6, 8, 11, tzinfo=BERLIN)]
    assert (rendered.start, rendered.end) == (ts(2026, 6, 1, 7), ts(2026, 6, 8, 10))
    assert rendered.recurring is True
    radicale_accepts(rendered)
    # Radicale's own time-range walk (calendar-query) needs a master once there are two.
    walked = radicale_item.find_time_range(radicale_item.read_components(rendered.text)[0],
                                           "VEVENT")
    assert walked == (ts(2026, 6, 1, 7), ts(2026, 6, 8, 10))


def test_nothing_left_to_show_is_none():
    _, _, removed = weekly_series()
    assert render([removed], CTX) is None
    assert render([removed, dict(removed, id="s1_x", originalStartTime={
        "dateTime": "2026-06-22T07:00:00Z"})], CTX) is None
    assert render([], CTX) is None
    assert render([event(status="cancelled")], CTX) is None


def test_series_bounds_count_until_and_infinite():
    master, moved, _ = weekly_series(rule="RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4")
    counted = render([master], CTX)
    assert counted.end == ts(2026, 6, 22, 9, 30, tz=BERLIN)
    assert radicale_accepts(counted).time_range == (counted.start, counted.end)
    # a modified instance moved past the series' end extends it
    late = dict(moved, start={"dateTime": "2026-07-30T09:00:00+02:00"},
                end={"dateTime": "2026-07-30T10:00:00+02:00"})
    assert render([master, late], CTX).end == ts(2026, 7, 30, 10, tz=BERLIN)
    # a cancelled last instance pulls the end back
    last = {"id": "s1_last", "status": "cancelled", "recurringEventId": "s1",
            "originalStartTime": {"dateTime": "2026-06-22T09:00:00+02:00",
                                  "timeZone": "Europe/Berlin"}}
    assert render([master, last], CTX).end == ts(2026, 6, 15, 9, 30, tz=BERLIN)

    master, _, _ = weekly_series(rule="RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260630T215959Z")
    until = render([master], CTX)
    assert until.end == ts(2026, 6, 29, 9, 30, tz=BERLIN)
    assert radicale_accepts(until).time_range == (until.start, until.end)
    assert "from 2026-01-01 to 2027-01-01" in until.text
    # UNTIL as a DATE for a timed series: inclusive through that day
    master, _, _ = weekly_series(rule="RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260629")
    assert render([master], CTX).end == ts(2026, 6, 29, 9, 30, tz=BERLIN)

    master, _, _ = weekly_series(rule="RRULE:FREQ=DAILY")
    assert render([master], CTX).end == END_OF_TIME

    # huge expansions are capped: fall back to UNTIL, or to "forever" for a bare COUNT
    master, _, _ = weekly_series(rule="RRULE:FREQ=MINUTELY;UNTIL=20300101T000000Z")
    assert render([master], CTX).end == ts(2030, 1, 1) + 1800
    master, _, _ = weekly_series(rule="RRULE:FREQ=MINUTELY;COUNT=500000")
    assert render([master], CTX).end == END_OF_TIME


def test_series_bounds_across_dst_use_wall_clock_occurrences():
    master, _, _ = weekly_series(rule="RRULE:FREQ=WEEKLY;COUNT=30")
    master["start"] = {"dateTime": "2026-09-07T09:00:00+02:00", "timeZone": "Europe/Berlin"}
    master["end"] = {"dateTime": "2026-09-07T10:00:00+02:00", "timeZone": "Europe/Berlin"}
    rendered = render([master], CTX)
    last = datetime(2026, 9, 7, 9, tzinfo=BERLIN) + timedelta(weeks=29)  # wall clock, CEST again
    assert rendered.end == int(last.timestamp()) + 3600
    assert radicale_accepts(rendered).time_range == (rendered.start, rendered.end)


def test_end_of_time_is_radicales():
    from radicale.item.filter import TIMESTAMP_MAX
    assert END_OF_TIME == TIMESTAMP_MAX


def test_malformed_input_degrades_instead_of_raising():
    odd = event(start={"dateTime": "not a time", "timeZone": {"x": 1}}, summary=["x"])
    assert render([odd], CTX) is None  # no usable start: nothing to show
    weird = event(status=["x"], visibility={}, attendees={"a": 1}, reminders={"overrides": "x"},
                  recurrence="RRULE:FREQ=DAILY", conferenceData={"entryPoints": [None, {}]},
                  attachments=[{"title": "no url"}], colorId="", sequence="3",
                  start={"dateTime": "2026-12-01T09:00:00+01:00", "timeZone": ["Europe/Berlin"]},
                  end={"date": "2026-12-02"})
    rendered = render([weird, "not an event", None], CTX)
    vevent = only(parse(rendered), "VEVENT")
    assert vevent["DTSTART"].dt == datetime(2026, 12, 1, 9, tzinfo=BERLIN)
    assert vevent["DTEND"].dt == vevent["DTSTART"].dt
    assert "RRULE" not in vevent and "ATTENDEE" not in vevent and "ATTACH" not in vevent
    radicale_accepts(rendered)


# ---------------------------------------------------------------- people, alarms, extras


def test_attendees_every_partstat_and_role():
    attendees = [
        {"email": "boss@example.com", "displayName": "The Boss", "organizer": True,
         "responseStatus": "accepted"},
        {"email": "a@example.com", "responseStatus": "needsAction"},
        {"email": "b@example.com", "responseStatus": "declined", "optional": True},
        {"email": "c@example.com", "responseStatus": "tentative"},
        {"email": "room@resource.calendar.google.com", "displayName": "Room 1",
         "resource": True, "responseStatus": "accepted"},
    ]
    rendered = render([event(attendees=attendees, organizer={
        "email": "boss@example.com", "displayName": "The Boss"})], CTX)
    vevent = only(parse(rendered), "VEVENT")
    assert str(vevent["ORGANIZER"]) == "mailto:boss@example.com"
    assert vevent["ORGANIZER"].params["CN"] == "The Boss"
    got = {str(a): dict(a.params) for a in vevent["ATTENDEE"]}
    assert got == {
        "mailto:boss@example.com": {"CN": "The Boss", "PARTSTAT": "ACCEPTED", "ROLE": "CHAIR"},
        "mailto:a@example.com": {"PARTSTAT": "NEEDS-ACTION", "ROLE": "REQ-PARTICIPANT",
                                 "RSVP": "TRUE"},
        "mailto:b@example.com": {"PARTSTAT": "DECLINED", "ROLE": "OPT-PARTICIPANT"},
        "mailto:c@example.com": {"PARTSTAT": "TENTATIVE", "ROLE": "REQ-PARTICIPANT"},
        "mailto:room@resource.calendar.google.com": {
            "CN": "Room 1", "PARTSTAT": "ACCEPTED", "ROLE": "REQ-PARTICIPANT",
            "CUTYPE": "RESOURCE"},
    }
    radicale_accepts(rendered)


def alarm_summary(rendered):
    vevent = only(parse(rendered), "VEVENT")
    return [(str(a["ACTION"]), a["TRIGGER"].dt, str(a["DESCRIPTION"]),
             str(a.get("X-GOOGLE-REMINDER-METHOD", "")), str(a.get("X-GOOGLE-DEFAULT-REMINDER", "")))
            for a in vevent.walk("VALARM")]


def test_reminders_use_default_and_overrides():
    ctx = CalendarContext("Europe/Berlin", ({"method": "email", "minutes": 60},
                                            {"method": "popup", "minutes": 10}))
    assert alarm_summary(render([event()], ctx)) == [
        ("DISPLAY", timedelta(minutes=-10), "Dentist", "", "TRUE"),
        ("DISPLAY", timedelta(minutes=-60), "Dentist", "email", "TRUE")]
    overrides = {"useDefault": False, "overrides": [
        {"method": "popup", "minutes": 1440}, {"method": "email", "minutes": 30},
        {"method": "popup", "minutes": 0}]}
    rendered = render([event(reminders=overrides, summary="")], ctx)
    assert alarm_summary(rendered) == [
        ("DISPLAY", timedelta(0), "Reminder", "", ""),
        ("DISPLAY", timedelta(minutes=-30), "Reminder", "email", ""),
        ("DISPLAY", timedelta(days=-1), "Reminder", "", "")]
    assert "TRIGGER:-PT30M" in rendered.text
    assert alarm_summary(render([event(reminders={"useDefault": False})], ctx)) == []
    assert alarm_summary(render([event(reminders={"useDefault": True})],
                                CalendarContext("Europe/Berlin"))) == []
    radicale_accepts(rendered)


def test_colour_mapping_both_ways():
    assert len(CSS3_COLORS) == 147
    for color_id in GOOGLE_EVENT_COLORS:
        name = css_name_for_color_id(color_id)
        assert name in CSS3_COLORS
        assert color_id_for_css_name(name) == color_id
        assert color_id_for_css_name(name.upper()) == color_id
        assert color_id_for_css_name(GOOGLE_EVENT_COLORS[color_id]) == color_id
    assert css_name_for_color_id("11") == "crimson"
    assert css_name_for_color_id(9) == "cornflowerblue"
    assert css_name_for_color_id("99") is None and css_name_for_color_id(None) is None
    assert color_id_for_css_name("red") == "11"
    assert color_id_for_css_name("no-such-colour") is None and color_id_for_css_name("") is None
    # every CSS name lands on some Google colour
    assert all(color_id_for_css_name(name) in GOOGLE_EVENT_COLORS for name in CSS3_COLORS)


def test_colour_properties():
    vevent = only(parse(render([event(colorId="11")], CTX)), "VEVENT")
    assert str(vevent["COLOR"]) == "crimson" and str(vevent["X-GOOGLE-COLOR-ID"]) == "11"
    vevent = only(parse(render([event(colorId="42")], CTX)), "VEVENT")
    assert "COLOR" not in vevent and str(vevent["X-GOOGLE-COLOR-ID"]) == "42"
    assert "COLOR" not in only(parse(render([event()], CTX)), "VEVENT")


def test_conference_and_attachments():
    conference = {
        "conferenceId": "abc-defg-hij",
        "conferenceSolution": {"key": {"type": "hangoutsMeet"}, "name": "Google Meet"},
        "entryPoints": [
            {"entryPointType": "video", "uri": "https://meet.google.com/abc-defg-hij",
             "label": "meet.google.com/abc-defg-hij"},
            {"entryPointType": "phone", "uri": "tel:+1-234-567-8900", "label": "+1 234-567-8900",
             "pin": "123456"},
            {"entryPointType": "more", "uri": "https://tel.meet/abc-defg-hij?pin=123"},
        ]}
    attachments = [{"fileUrl": "https://drive.google.com/open?id=1;2,3", "title": "Agenda: Q1, v2",
                    "mimeType": "application/vnd.google-apps.document", "fileId": "1"}]
    rendered = render([event(conferenceData=conference, attachments=attachments,
                             hangoutLink="https://meet.google.com/abc-defg-hij")], CTX)
    vevent = only(parse(rendered), "VEVENT")
    confs = [(str(c), dict(c.params)) for c in vevent["CONFERENCE"]]
    # X-GOOGLE-DERIVED: Google's, so the write path never keeps a copy in the shadow.
    derived = {"VALUE": "URI", "X-GOOGLE-DERIVED": "TRUE"}
    assert confs == [
        ("https://meet.google.com/abc-defg-hij",
         {**derived, "FEATURE": "VIDEO", "LABEL": "meet.google.com/abc-defg-hij"}),
        ("tel:+1-234-567-8900", {**derived, "FEATURE": "PHONE", "LABEL": "+1 234-567-8900"}),
        ("https://tel.meet/abc-defg-hij?pin=123", derived),
    ]
    assert [c.uri for c in vevent.conferences][0] == "https://meet.google.com/abc-defg-hij"
    assert str(vevent["X-GOOGLE-CONFERENCE"]) == "https://meet.google.com/abc-defg-hij"
    attach = vevent["ATTACH"]
    assert str(attach) == "https://drive.google.com/open?id=1;2,3"
    assert dict(attach.params) == {"FMTTYPE": "application/vnd.google-apps.document",
                                   "FILENAME": "Agenda: Q1, v2", "X-GOOGLE-DERIVED": "TRUE"}
    radicale_accepts(rendered)

    # hangoutLink alone still yields a video conference
    vevent = only(parse(render([event(hangoutLink="https://meet.google.com/xyz")], CTX)), "VEVENT")
    assert str(vevent["CONFERENCE"]) == "https://meet.google.com/xyz"
    assert vevent["CONFERENCE"].params["FEATURE"] == "VIDEO"
    assert str(vevent["X-GOOGLE-CONFERENCE"]) == "https://meet.google.com/xyz"


# ---------------------------------------------------------------- determinism


def shuffled(value, rng: random.Random):
    """The same JSON value with every dict's key order shuffled."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


def rich_series():
    master, moved, removed = weekly_series(
        colorId="3", attendees=[{"email": "a@example.com", "responseStatus": "accepted"},
                                {"email": "b@example.com", "optional": True}],
        reminders={"useDefault": False, "overrides": [{"method": "email", "minutes": 30},
                                                      {"method": "popup", "minutes": 5}]},
        hangoutLink="https://meet.google.com/abc")
    return [master, moved, removed]


def test_determinism_under_key_and_event_order():
    events = rich_series()
    reference = render(events, CTX)
    rng = random.Random(1234)
    for _ in range(20):
        again = [shuffled(e, rng) for e in events]
        rng.shuffle(again)
        rendered = render(again, CTX)
        assert rendered.text == reference.text and rendered.etag == reference.etag
        assert (rendered.start, rendered.end) == (reference.start, reference.end)
    # Google etags (and other fields we don't render) never matter
    changed = [dict(e, etag='"999"', htmlLink="https://example.com/x") for e in events]
    assert render(changed, CTX).etag == reference.etag
    # but reminder-only changes do
    changed = copy.deepcopy(events)
    changed[0]["reminders"] = {"useDefault": True}
    assert render(changed, CTX).etag != reference.etag


def test_input_is_not_mutated():
    events = rich_series()
    before = copy.deepcopy(events)
    render(events, CTX)
    assert events == before


def expected_text(value: str) -> str:
    """The documented normalisation: line breaks → LF; control characters and lone
    surrogates dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in "\t\n" or not (
        ord(ch) < 0x20 or ord(ch) == 0x7f or 0xD800 <= ord(ch) <= 0xDFFF))


texts = st.lists(st.one_of(st.characters(), st.sampled_from(
    [",", ";", ":", "\\", '"', "\n", "\r", "\t", "N", "^", "'", "\\N", "\\n", "\r\n", "\u2028"])),
    max_size=60).map("".join)


@settings(max_examples=150, deadline=None)
@given(summary=texts, description=texts, location=texts, name=texts)
def test_text_round_trips_exactly_and_rendering_is_deterministic(summary, description,
                                                                  location, name):
    ev = event(summary=summary, description=description, location=location,
               attendees=[{"email": "x@example.com", "displayName": name,
                           "responseStatus": "accepted"}])
    rendered = render([ev], CTX)
    assert render([shuffled(ev, random.Random(7))], CTX).text == rendered.text
    vevent = only(parse(rendered), "VEVENT")
    for field, value in (("SUMMARY", summary), ("DESCRIPTION", description),
                         ("LOCATION", location)):
        if expected_text(value):
            assert str(vevent[field]) == expected_text(value)
        else:
            assert field not in vevent
    alarm = only(vevent, "VALARM")
    assert str(alarm["DESCRIPTION"]) == (expected_text(summary) or "Reminder")
    # Parameter values are checked with vobject (Radicale's parser): icalendar's reader
    # treats a backslash in a parameter value as an escape, which RFC 5545 does not.
    # vobject does not decode RFC 6868 (^' for a double quote, ^^ for a caret); do it here.
    cn = " ".join(expected_text(name).split("\n")).strip()
    item = radicale_item.Item(collection_path="u/c", text=rendered.text)
    assert item.uid == rendered.uid
    attendee = item.vobject_item.vevent.attendee
    if cn:
        assert [rfc_6868_unescape(v) for v in attendee.params["CN"]] == [cn]
    else:
        assert "CN" not in attendee.params
    assert attendee.params["PARTSTAT"] == ["ACCEPTED"]
