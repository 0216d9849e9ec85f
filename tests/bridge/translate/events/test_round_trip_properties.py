"""Property-based round trips of the pure translation (hypothesis):

* Google → iCalendar → Google: parsing the rendering of any Google event gives back the
  fields we map, and an empty shadow (nothing of Google's is kept locally).
* iCalendar → Google → iCalendar: for any client VEVENT, parse → (Google holds the fields) →
  render + shadow → parse is a fixpoint: same fields, same shadow, same text once more. That
  is what makes an unchanged PUT send nothing and keeps ETags still.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Alarm, Calendar, Event, vCalAddress, vRecur, vText

from bridge.translate import CalendarContext, parse, render, shadow
from bridge.translate.colors import CSS3_COLORS

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Lord_Howe"]
EMAILS = ["ana@example.com", "ben@example.com", "chloe@example.org", "room@resource.example"]
texts = st.text(st.one_of(st.sampled_from(list(",;:\\\"\n'^ ")), st.characters(
    blacklist_categories=("Cs", "Cc"))), max_size=30)
words = st.text("abcdefghij XYZ", min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def times(draw, zone: str):
    """(start, end) EventDateTimes: all-day, or timed in ``zone`` (DST gaps included)."""
    day = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    if draw(st.booleans()):
        return ({"date": day.isoformat()},
                {"date": (day + timedelta(days=draw(st.integers(1, 5)))).isoformat()})
    start = datetime.combine(day, datetime.min.time(), ZoneInfo(zone)) + timedelta(
        minutes=draw(st.integers(0, 24 * 60 - 1)))
    end = start + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    return ({"dateTime": start.isoformat(), "timeZone": zone},
            {"dateTime": end.isoformat(), "timeZone": zone})


@st.composite
def google_events(draw):
    zone = draw(st.sampled_from(ZONES))
    start, end = draw(times(zone))
    people = draw(st.lists(st.sampled_from(EMAILS), unique=True, max_size=4))
    reminders = draw(st.lists(st.tuples(st.sampled_from(["popup", "email"]),
                                        st.integers(0, 40320)), unique=True, max_size=5))
    event = {
        "id": "e1", "iCalUID": "e1@google.com", "status": draw(st.sampled_from(
            ["confirmed", "tentative"])), "summary": draw(texts), "description": draw(texts),
        "location": draw(texts), "start": start, "end": end,
        "transparency": draw(st.sampled_from(["opaque", "transparent"])),
        "visibility": draw(st.sampled_from(["default", "public", "private", "confidential"])),
        "attendees": [{"email": email, "responseStatus": draw(st.sampled_from(
            ["needsAction", "accepted", "declined", "tentative"])),
            **({"displayName": draw(words)} if draw(st.booleans()) else {}),
            **({"optional": True} if draw(st.booleans()) else {}),
            **({"comment": draw(words)} if draw(st.booleans()) else {}),
            **({"additionalGuests": draw(st.integers(1, 3))} if draw(st.booleans()) else {})}
            for email in people],
        "reminders": {"useDefault": True} if draw(st.booleans()) else {
            "useDefault": False, "overrides": [{"method": m, "minutes": n}
                                               for m, n in reminders]},
        "colorId": draw(st.sampled_from([None, *map(str, range(1, 12))])),
        "recurrence": draw(st.sampled_from([None, ["RRULE:FREQ=WEEKLY;COUNT=5"],
                                            ["RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"],
                                            ["RRULE:FREQ=DAILY;INTERVAL=2"]])),
    }
    return zone, {k: v for k, v in event.items() if v is not None}


def instant(edt: dict):
    if "date" in edt:
        return edt["date"]
    return datetime.fromisoformat(edt["dateTime"]).timestamp()


def rule(line: str) -> dict:
    return dict(vRecur.from_ical(line.split(":", 1)[1]))


def clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=150, deadline=None)
@given(google_events(), st.sampled_from(ZONES))
def test_google_fields_survive_render_and_parse(drawn, calendar_zone):
    zone, event = drawn
    ctx = CalendarContext(calendar_zone, ({"method": "popup", "minutes": 10},))
    parsed = parse(render([event], ctx).text, calendar_zone)
    fields = parsed.master.fields
    assert parsed.shadows() == {}           # nothing of Google's own data is kept locally
    for name in ("summary", "description", "location"):
        assert fields[name] == clean(event[name])
    for name in ("status", "transparency", "visibility"):
        assert fields[name] == event[name]
    assert (instant(fields["start"]), instant(fields["end"])) == (
        instant(event["start"]), instant(event["end"]))
    if "dateTime" in event["start"]:
        assert fields["start"]["timeZone"] == zone
    assert fields["attendees"] == sorted(event["attendees"], key=lambda a: a["email"])
    if event["reminders"]["useDefault"]:
        assert fields["reminders"] == {"useDefault": True}
    else:
        assert fields["reminders"]["overrides"] == sorted(
            event["reminders"]["overrides"], key=lambda r: (r["minutes"], r["method"]))
    assert fields["colorId"] == event.get("colorId")
    # icalendar writes rule parts in its canonical order: the same rule
    assert list(map(rule, fields["recurrence"])) == list(map(rule, event.get("recurrence", [])))


@st.composite
def client_texts(draw):
    """A VEVENT as assorted clients write one, with what Google cannot hold mixed in."""
    zone = draw(st.sampled_from(ZONES))
    vevent = Event()
    vevent.add("UID", "client-1")
    vevent.add("DTSTAMP", datetime(2026, 1, 1))
    start = datetime(2026, 3, 1, 9) + timedelta(hours=draw(st.integers(0, 24 * 300)))
    if draw(st.booleans()):
        vevent.add("DTSTART", start.replace(tzinfo=ZoneInfo(zone)))
    else:
        vevent.add("DTSTART", start)                             # floating
    vevent.add("DURATION", timedelta(minutes=draw(st.integers(0, 600))))
    summary = draw(texts)
    vevent.add("SUMMARY", summary, parameters={"LANGUAGE": "de"} if draw(st.booleans()) else None)
    if draw(st.booleans()):
        vevent.add("COLOR", draw(st.sampled_from(sorted(CSS3_COLORS) + ["not-a-colour"])))
    for email in draw(st.lists(st.sampled_from(EMAILS), unique=True, max_size=3)):
        person = vCalAddress(draw(st.sampled_from(["mailto:", "MAILTO:"])) + email)
        person.params["PARTSTAT"] = draw(st.sampled_from(
            ["ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION", "DELEGATED"]))
        person.params["ROLE"] = draw(st.sampled_from(
            ["CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT"]))
        if draw(st.booleans()):
            person.params["CN"] = draw(words)
        if draw(st.booleans()):
            person.params["X-CLIENT-NOTE"] = draw(words)
        vevent.add("ATTENDEE", person)
    for value in draw(st.lists(words, max_size=2)):
        vevent.add("CATEGORIES", [value])
        vevent.add("X-MOZ-NOTE", vText(value))
    for _ in range(draw(st.integers(0, 7))):
        alarm = Alarm()
        alarm.add("ACTION", draw(st.sampled_from(["DISPLAY", "EMAIL", "AUDIO"])))
        alarm.add("DESCRIPTION", draw(words))
        if draw(st.booleans()):
            alarm.add("TRIGGER", -timedelta(minutes=draw(st.integers(0, 50000))))
        else:
            alarm.add("TRIGGER", datetime(2026, 2, 1, 8, tzinfo=ZoneInfo("UTC")))
        if draw(st.booleans()):
            alarm.add("ACKNOWLEDGED", datetime(2026, 2, 1, 8, tzinfo=ZoneInfo("UTC")))
        vevent.add_component(alarm)
    calendar = Calendar()
    calendar.add("PRODID", "-//hypothesis//EN")
    calendar.add("VERSION", "2.0")
    calendar.add_component(vevent)
    return calendar.to_ical().decode()


@settings(max_examples=150, deadline=None)
@given(client_texts(), st.sampled_from(ZONES))
def test_client_event_through_google_is_a_fixpoint(text, calendar_zone):
    ctx = CalendarContext(calendar_zone)
    first = parse(text, calendar_zone)
    google = {**first.master.fields, "id": "g1", "iCalUID": first.uid}   # what Google holds
    shown = shadow.apply(render([google], ctx), first.shadows(), calendar_zone)
    again = parse(shown.text, calendar_zone)
    assert again.master.fields == first.master.fields
    assert again.shadows() == first.shadows()
    shown_again = shadow.apply(render([google], ctx), again.shadows(), calendar_zone)
    assert shown_again.etag == shown.etag


@st.composite
def series_with_exceptions(draw):
    """A weekly series with moved (possibly across midnight) and cancelled instances; or, as
    an invitation, the moved instances alone."""
    zone = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(zone)
    all_day = draw(st.booleans())
    day = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    clock = datetime.min.time().replace(hour=draw(st.integers(0, 23)))

    def edt(when):
        return {"date": when.isoformat()} if all_day else {
            "dateTime": when.isoformat(), "timeZone": zone}

    def at(week: int):
        moved = day + timedelta(weeks=week)
        return moved if all_day else datetime.combine(moved, clock, tz)

    master = {"id": "s1", "iCalUID": "s1@google.com", "status": "confirmed",
              "summary": "Series", "start": edt(at(0)),
              "end": edt(at(0) + timedelta(days=1) if all_day else at(0) + timedelta(hours=1)),
              "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=6"], "reminders": {"useDefault": False}}
    kinds = draw(st.lists(st.sampled_from(["same", "moved", "cancelled"]), min_size=6,
                          max_size=6))
    events, moved = [master], {}
    for week, kind in enumerate(kinds):
        original = at(week)
        stamp = original.strftime("%Y%m%d") if all_day else original.astimezone(
            ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
        instance = {"id": f"s1_{stamp}", "iCalUID": "s1@google.com",
                    "recurringEventId": "s1", "originalStartTime": edt(original)}
        if kind == "cancelled":
            events.append({**instance, "status": "cancelled"})
        elif kind == "moved":
            shift = timedelta(days=draw(st.integers(-2, 2))) if all_day else timedelta(
                minutes=draw(st.integers(-36 * 60, 36 * 60)))
            start = original + shift
            end = start + (timedelta(days=1) if all_day else timedelta(minutes=45))
            events.append({**instance, "status": "confirmed", "summary": f"Moved {week}",
                           "start": edt(start), "end": edt(end),
                           "reminders": {"useDefault": False}})
            moved[stamp] = events[-1]
    invitation = draw(st.booleans()) and bool(moved)
    return (list(moved.values()) if invitation else events), moved, invitation


@settings(max_examples=150, deadline=None)
@given(series_with_exceptions(), st.sampled_from(ZONES))
def test_exceptions_map_back_to_their_google_instances(drawn, calendar_zone):
    events, moved, invitation = drawn
    ctx = CalendarContext(calendar_zone)
    text = render(events, ctx).text
    parsed = parse(text, calendar_zone)
    assert set(parsed.overrides) == set(moved)          # the keys are Google's instance ids
    for stamp, override in parsed.overrides.items():
        google = moved[stamp]
        assert override.fields["summary"] == google["summary"]
        for name in ("start", "end", "originalStartTime"):
            assert instant(override.fields[name]) == instant(google[name])
    assert parsed.master.synthetic == invitation         # a stand-in is never a Google event
    assert parse(text, calendar_zone).shadows() == {}
