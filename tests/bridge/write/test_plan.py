"""bridge.write.plan.plan_put: a client's PUT, diffed against our last rendering, becomes the
Google calls to make, each patch with the body that undoes it. Pure: resources are rendered
from Google event dicts (as the store holds them), edited as a client would edit the text,
and parsed back."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bridge.errors import ReadOnly
from bridge.translate import CalendarContext, parse, render
from bridge.write.plan import (READ_ONLY_TYPES, Op, PlanError, diff, plan_put,
                               restored_instance, shifted_end)

ZONE = "Europe/Berlin"
CTX = CalendarContext(ZONE, ({"method": "popup", "minutes": 10},))


def berlin(day: str, time: str) -> dict:
    """An EventDateTime in Berlin as Google answers it (2024: CET until 31 March)."""
    offset = "+01:00" if day < "2024-03-31" else "+02:00"
    return {"dateTime": f"{day}T{time}:00{offset}", "timeZone": ZONE}


def master(**extra) -> dict:
    """A weekly 30-minute series on Mondays, 10:00 Berlin, starting 4 March 2024."""
    return {"id": "abc", "iCalUID": "abc@google.com", "status": "confirmed",
            "summary": "Standup", "updated": "2024-01-01T00:00:00Z",
            "start": berlin("2024-03-04", "10:00"), "end": berlin("2024-03-04", "10:30"),
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=10"], "reminders": {"useDefault": True},
            **extra}


def moved(day: str, to: str, **extra) -> dict:
    """The series' instance of ``day`` moved to ``to`` o'clock (an exception on Google)."""
    original = berlin(day, "10:00")
    stamp = dt.datetime.fromisoformat(original["dateTime"]).astimezone(dt.timezone.utc)
    return {"id": f"abc_{stamp:%Y%m%dT%H%M%SZ}", "iCalUID": "abc@google.com",
            "recurringEventId": "abc", "status": "confirmed", "summary": "Moved",
            "originalStartTime": original, "start": berlin(day, to),
            "end": berlin(day, f"{to[:2]}:30"), "reminders": {"useDefault": True}, **extra}


def rendered(*events: dict) -> str:
    return render(list(events), CTX).text


def parsed(text: str):
    return parse(text, ZONE, CTX.default_reminders)


def plan(before: str, after: str) -> list[Op]:
    return plan_put(parsed(before), parsed(after))


def edit(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) >= count, f"{old!r} not in the resource"
    return text.replace(old, new, count)


def ical(*vevents: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\nDTSTAMP:20240101T000000Z\r\n{v}END:VEVENT\r\n"
                   for v in vevents)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


SERIES = ("UID:new-1\r\nSUMMARY:Review\r\nDTSTART;TZID=Europe/Berlin:20240304T100000\r\n"
          "DTEND;TZID=Europe/Berlin:20240304T110000\r\nRRULE:FREQ=DAILY;COUNT=5\r\n")
OVERRIDE = ("UID:new-1\r\nSUMMARY:Review (late)\r\n"
            "RECURRENCE-ID;TZID=Europe/Berlin:20240305T100000\r\n"
            "DTSTART;TZID=Europe/Berlin:20240305T150000\r\n"
            "DTEND;TZID=Europe/Berlin:20240305T160000\r\n")
CANCELLED = ("UID:new-1\r\nSUMMARY:Review\r\nSTATUS:CANCELLED\r\n"
             "RECURRENCE-ID;TZID=Europe/Berlin:20240306T100000\r\n"
             "DTSTART;TZID=Europe/Berlin:20240306T100000\r\n"
             "DTEND;TZID=Europe/Berlin:20240306T110000\r\n")


# --- creating ------------------------------------------------------------------------------


def test_a_new_series_is_one_insert_with_cancelled_overrides_as_exdates_then_a_patch_each():
    ops = plan_put(None, parsed(ical(SERIES, CANCELLED, OVERRIDE)))
    assert [(op.kind, op.stamp) for op in ops] == [("insert", None), ("patch", "20240305T090000Z")]
    insert, patch = ops
    assert insert.body["iCalUID"] == "new-1"
    assert insert.body["recurrence"] == ["RRULE:FREQ=DAILY;COUNT=5",
                                         "EXDATE;TZID=Europe/Berlin:20240306T100000"]
    assert insert.body["start"] == {"dateTime": "2024-03-04T10:00:00+01:00", "timeZone": ZONE}
    assert "colorId" not in insert.body            # unset fields are not sent as null
    # The override sends only what differs from the series, plus its times; never the
    # series' own fields.
    assert patch.body == {"summary": "Review (late)",
                          "start": {"dateTime": "2024-03-05T15:00:00+01:00", "timeZone": ZONE},
                          "end": {"dateTime": "2024-03-05T16:00:00+01:00", "timeZone": ZONE}}
    assert not any(op.quiet for op in ops)


def test_a_new_single_event_sends_no_recurrence():
    ops = plan_put(None, parsed(ical("UID:one\r\nSUMMARY:Lunch\r\n"
                                     "DTSTART:20240304T120000Z\r\nDTEND:20240304T130000Z\r\n")))
    assert len(ops) == 1 and ops[0].kind == "insert"
    assert "recurrence" not in ops[0].body
    assert ops[0].body["summary"] == "Lunch" and ops[0].body["iCalUID"] == "one"


@pytest.mark.parametrize("vevents", [(OVERRIDE,), (OVERRIDE, CANCELLED)],
                         ids=["one override", "two overrides"])
def test_a_new_resource_of_overrides_alone_cannot_be_created(vevents):
    with pytest.raises(PlanError, match="without RECURRENCE-ID"):
        plan_put(None, parsed(ical(*vevents)))


def test_a_new_resource_with_a_stand_in_master_cannot_be_created():
    text = rendered(moved("2024-03-11", "12:00"))          # an invitation to one instance
    assert "X-GOOGLE-SYNTHETIC-MASTER" in text
    with pytest.raises(PlanError):
        plan_put(None, parsed(text))


# --- unchanged and small changes -------------------------------------------------------------


def test_the_clients_unchanged_copy_plans_nothing():
    text = rendered(master(), moved("2024-03-11", "12:00"))
    # A client's copy: re-serialised, its own DTSTAMP, no VTIMEZONE (the TZID is IANA),
    # and a property Google has no field for.
    calendar = Calendar.from_ical(text)
    calendar.subcomponents[:] = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    for vevent in calendar.subcomponents:
        vevent["DTSTAMP"].dt = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    calendar.subcomponents[0].add("X-MOZ-GENERATION", "3")
    copy = calendar.to_ical().decode()
    assert copy != text
    assert plan(text, copy) == []


def test_a_summary_change_is_one_patch_of_that_field_undone_by_the_old_value():
    text = rendered(master(location="Room 1"))
    [op] = plan(text, edit(text, "SUMMARY:Standup", "SUMMARY:Daily"))
    assert op == Op("patch", None, {"summary": "Daily"}, undo={"summary": "Standup"},
                    quiet=False)


def test_clearing_a_field_sends_the_empty_value_and_undo_restores_it():
    text = rendered(master(location="Room 1"))
    [op] = plan(text, edit(text, "LOCATION:Room 1\r\n", ""))
    assert op.body == {"location": ""} and op.undo == {"location": "Room 1"}


def test_a_reminder_only_change_is_quiet():
    text = rendered(master(reminders={"useDefault": False,
                                      "overrides": [{"method": "popup", "minutes": 10}]}))
    [op] = plan(text, edit(text, "TRIGGER:-PT10M", "TRIGGER:-PT30M"))
    assert op.quiet and op.stamp is None
    assert op.body == {"reminders": {"useDefault": False,
                                     "overrides": [{"method": "popup", "minutes": 30}]}}
    assert op.undo == {"reminders": {"useDefault": False,
                                     "overrides": [{"method": "popup", "minutes": 10}]}}


def test_a_reminder_change_together_with_another_field_is_not_quiet():
    text = rendered(master(reminders={"useDefault": False,
                                      "overrides": [{"method": "popup", "minutes": 10}]}))
    changed = edit(edit(text, "TRIGGER:-PT10M", "TRIGGER:-PT30M"), "SUMMARY:Standup",
                   "SUMMARY:Daily")
    [op] = plan(text, changed)
    assert set(op.body) == {"reminders", "summary"} and not op.quiet


def test_a_changed_default_reminder_becomes_an_override():
    text = rendered(master())                      # the calendar default: popup 10 min
    [op] = plan(text, edit(text, "TRIGGER:-PT10M", "TRIGGER:-PT30M"))
    assert op.body == {"reminders": {"useDefault": False,
                                     "overrides": [{"method": "popup", "minutes": 30}]}}


def test_an_added_exdate_patches_the_series_recurrence():
    text = rendered(master())
    changed = edit(text, "RRULE:FREQ=WEEKLY;COUNT=10\r\n",
                   "RRULE:FREQ=WEEKLY;COUNT=10\r\nEXDATE;TZID=Europe/Berlin:20240325T100000\r\n")
    [op] = plan(text, changed)
    assert op.kind == "patch" and op.stamp is None and not op.quiet
    assert op.body == {"recurrence": ["RRULE:FREQ=WEEKLY;COUNT=10",
                                      "EXDATE;TZID=Europe/Berlin:20240325T100000"]}
    assert op.undo == {"recurrence": ["RRULE:FREQ=WEEKLY;COUNT=10"]}


# --- overrides of an existing series -------------------------------------------------------


OVERRIDE_OF_18TH = ("BEGIN:VEVENT\r\nUID:abc@google.com\r\nDTSTAMP:20240101T000000Z\r\n"
                    "SUMMARY:Standup\r\nRECURRENCE-ID;TZID=Europe/Berlin:20240318T100000\r\n"
                    "DTSTART;TZID=Europe/Berlin:20240318T140000\r\n"
                    "DTEND;TZID=Europe/Berlin:20240318T143000\r\nEND:VEVENT\r\n")


def test_an_added_override_patches_that_instance_and_undo_restores_the_plain_occurrence():
    text = rendered(master(reminders={"useDefault": False, "overrides": []}))
    [op] = plan(text, edit(text, "END:VCALENDAR", OVERRIDE_OF_18TH + "END:VCALENDAR"))
    assert (op.kind, op.stamp) == ("patch", "20240318T090000Z")
    assert op.body == {"start": berlin("2024-03-18", "14:00"), "end": berlin("2024-03-18", "14:30")}
    assert op.undo["start"] == berlin("2024-03-18", "10:00")
    assert op.undo["end"] == berlin("2024-03-18", "10:30")
    assert op.undo["status"] == "confirmed" and op.undo["summary"] == "Standup"
    assert "recurrence" not in op.undo and "originalStartTime" not in op.undo


def test_a_changed_override_patches_only_what_changed():
    text = rendered(master(), moved("2024-03-11", "12:00"))
    [op] = plan(text, edit(text, "SUMMARY:Moved", "SUMMARY:Moved again"))
    assert (op.kind, op.stamp) == ("patch", "20240311T090000Z")
    assert op.body == {"summary": "Moved again"} and op.undo == {"summary": "Moved"}


def test_a_removed_override_restores_the_instance_and_undo_brings_the_exception_back():
    text = rendered(master(), moved("2024-03-11", "12:00"))
    first, second = text.rsplit("BEGIN:VEVENT", 1)
    without = first + second[second.index("END:VEVENT\r\n") + len("END:VEVENT\r\n"):]
    [op] = plan(text, without)
    assert (op.kind, op.stamp) == ("patch", "20240311T090000Z")
    assert op.body["start"] == berlin("2024-03-11", "10:00")
    assert op.body["end"] == berlin("2024-03-11", "10:30")
    assert op.body["summary"] == "Standup" and op.body["status"] == "confirmed"
    assert op.undo["start"] == berlin("2024-03-11", "12:00")
    assert op.undo["summary"] == "Moved"
    assert "originalStartTime" not in op.undo


def test_an_override_marked_cancelled_cancels_the_instance_once():
    text = rendered(master(), moved("2024-03-11", "12:00"))
    cancelled = edit(text, "20240311T100000\r\nSTATUS:CONFIRMED",
                     "20240311T100000\r\nSTATUS:CANCELLED")
    [op] = plan(text, cancelled)
    assert op == Op("cancel", "20240311T090000Z", {}, undo={"status": "confirmed"})
    assert plan(cancelled, cancelled) == []        # already cancelled: nothing more to do


def test_restoring_a_timed_instance_keeps_the_series_length_across_a_dst_change():
    series = master(start=berlin("2024-03-25", "23:30"), end=berlin("2024-03-26", "01:15"))
    override = parsed(rendered(series, {**moved("2024-04-01", "12:00"),
                                        "originalStartTime": berlin("2024-04-01", "23:30")}))
    [component] = override.overrides.values()
    body = restored_instance(override.master.fields, component)
    assert body["start"] == berlin("2024-04-01", "23:30")
    # 1 h 45 of elapsed time after a CEST start, in the series' zone.
    assert body["end"] == {"dateTime": "2024-04-02T01:15:00+02:00", "timeZone": ZONE}
    assert body["status"] == "confirmed" and "recurrence" not in body


def test_restoring_an_all_day_instance_keeps_the_series_length_in_days():
    fields = {"start": {"date": "2024-02-27"}, "end": {"date": "2024-03-01"}}   # 3 days, leap
    assert shifted_end(fields, {"date": "2024-12-30"}) == {"date": "2025-01-02"}


def test_an_all_day_series_override_removed_restores_date_bounds():
    series = master(start={"date": "2024-03-04"}, end={"date": "2024-03-06"})
    instance = {"id": "abc_20240311", "iCalUID": "abc@google.com", "recurringEventId": "abc",
                "status": "confirmed", "summary": "Offsite", "reminders": {"useDefault": True},
                "originalStartTime": {"date": "2024-03-11"},
                "start": {"date": "2024-03-12"}, "end": {"date": "2024-03-13"}}
    text = rendered(series, instance)
    first, second = text.rsplit("BEGIN:VEVENT", 1)
    without = first + second[second.index("END:VEVENT\r\n") + len("END:VEVENT\r\n"):]
    [op] = plan(text, without)
    assert op.stamp == "20240311"
    assert (op.body["start"], op.body["end"]) == ({"date": "2024-03-11"}, {"date": "2024-03-13"})
    assert (op.undo["start"], op.undo["end"]) == ({"date": "2024-03-12"}, {"date": "2024-03-13"})


# --- invitations to single instances (a stand-in master) -------------------------------------


def invitation() -> str:
    return rendered(moved("2024-03-11", "12:00", organizer={"email": "boss@example.com"}),
                    moved("2024-03-18", "15:00", organizer={"email": "boss@example.com"}))


def test_an_invitation_instance_change_patches_that_instance():
    text = invitation()
    changed = edit(text, "DTSTART;TZID=Europe/Berlin:20240318T150000",
                   "DTSTART;TZID=Europe/Berlin:20240318T143000")
    [op] = plan(text, changed)
    assert (op.kind, op.stamp) == ("patch", "20240318T090000Z")
    assert op.body == {"start": berlin("2024-03-18", "14:30")}


@pytest.mark.parametrize("marker", [True, False], ids=["marker kept", "marker dropped"])
def test_edits_of_the_stand_in_master_go_nowhere(marker):
    text = invitation()
    master_block = text[text.index("BEGIN:VEVENT"):text.index("END:VEVENT")]
    assert "X-GOOGLE-SYNTHETIC-MASTER" in master_block
    new_master = master_block.replace("SUMMARY:Moved", "SUMMARY:Mine")
    if not marker:
        new_master = new_master.replace("X-GOOGLE-SYNTHETIC-MASTER:TRUE\r\n", "")
    assert plan(text, text.replace(master_block, new_master)) == []


def test_an_invitation_occurrence_cannot_be_removed():
    text = invitation()
    first, second = text.rsplit("BEGIN:VEVENT", 1)
    without = first + second[second.index("END:VEVENT\r\n") + len("END:VEVENT\r\n"):]
    with pytest.raises(PlanError, match="invitation"):
        plan(text, without)


def test_an_occurrence_cannot_be_added_to_an_invitation():
    text = invitation()
    added = OVERRIDE_OF_18TH.replace("20240318T", "20240325T")
    with pytest.raises(PlanError):
        plan(text, edit(text, "END:VCALENDAR", added + "END:VCALENDAR"))


def test_a_whole_series_cannot_be_added_to_overrides_without_a_master():
    before = ical(OVERRIDE)
    with pytest.raises(PlanError, match="whole series"):
        plan(before, ical(SERIES, OVERRIDE))


def test_the_main_vevent_cannot_be_dropped():
    with pytest.raises(PlanError, match="main VEVENT"):
        plan(ical(SERIES, OVERRIDE), ical(OVERRIDE))


# --- special event types ---------------------------------------------------------------------


def special(kind: str) -> str:
    return rendered({"id": "ooo", "iCalUID": "ooo@google.com", "eventType": kind,
                     "status": "confirmed", "summary": "Away",
                     "start": berlin("2024-03-04", "10:00"), "end": berlin("2024-03-04", "18:00"),
                     "reminders": {"useDefault": False,
                                   "overrides": [{"method": "popup", "minutes": 10}]}})


@pytest.mark.parametrize("kind", sorted(READ_ONLY_TYPES))
def test_special_event_types_refuse_changes_but_alarms(kind):
    text = special(kind)
    assert f"X-GOOGLE-EVENT-TYPE:{kind}" in text
    with pytest.raises(ReadOnly, match=kind):
        plan(text, edit(text, "SUMMARY:Away", "SUMMARY:Here"))
    [op] = plan(text, edit(text, "TRIGGER:-PT10M", "TRIGGER:-PT5M"))
    assert op.quiet and set(op.body) == {"reminders"}
    assert plan(text, text) == []


def test_a_focus_time_override_of_a_series_is_read_only_too():
    text = rendered(master(eventType="focusTime"))
    with pytest.raises(ReadOnly):
        plan(text, edit(text, "END:VCALENDAR", OVERRIDE_OF_18TH + "END:VCALENDAR"))


# --- diff ----------------------------------------------------------------------------------


def test_diff_answers_changed_fields_with_their_new_value_and_none_clears():
    assert diff({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4}) == {"b": 5, "c": None, "d": 4}
    assert diff({"a": None}, {}) == {}                      # absent and null are the same
    assert diff({"x": [1, 2]}, {"x": [2, 1]}) == {"x": [2, 1]}   # lists compare in order
    assert list(diff({"z": 1, "a": 1}, {"z": 2, "a": 2})) == ["a", "z"]   # a stable order


# --- properties ----------------------------------------------------------------------------


WORDS = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF,
                              blacklist_characters="\\"), min_size=1, max_size=30)


@st.composite
def google_events(draw) -> dict:
    zone = draw(st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]))
    day = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 700)))
    event = {"id": "e1", "iCalUID": "e1@google.com", "status": "confirmed",
             "summary": draw(WORDS).strip() or "x", "reminders": {"useDefault": True}}
    if draw(st.booleans()):
        event["start"] = {"date": day.isoformat()}
        event["end"] = {"date": (day + dt.timedelta(days=draw(st.integers(1, 5)))).isoformat()}
    else:
        start = dt.datetime.combine(day, dt.time(draw(st.integers(0, 23)),
                                                 draw(st.sampled_from([0, 15, 30]))))
        end = start + dt.timedelta(minutes=draw(st.integers(0, 600)))
        event["start"] = {"dateTime": start.isoformat(), "timeZone": zone}
        event["end"] = {"dateTime": end.isoformat(), "timeZone": zone}
    if draw(st.booleans()):
        event["location"] = draw(WORDS)
    if draw(st.booleans()):
        event["recurrence"] = [draw(st.sampled_from(
            ["RRULE:FREQ=DAILY;COUNT=3", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE", "RRULE:FREQ=MONTHLY"]))]
    if draw(st.booleans()):
        event["reminders"] = {"useDefault": False, "overrides": [
            {"method": "popup", "minutes": draw(st.integers(0, 40320))}]}
    return event


@settings(max_examples=60, deadline=None)
@given(google_events())
def test_parsing_our_own_rendering_twice_plans_nothing(event):
    text = rendered(event)
    assert plan_put(parsed(text), parsed(text)) == []
    # ... and so does a client's re-serialised copy of it
    assert plan(text, Calendar.from_ical(text).to_ical().decode()) == []


@settings(max_examples=40, deadline=None)
@given(google_events(), WORDS)
def test_a_new_summary_alone_is_one_patch_of_the_summary(event, summary):
    summary = summary.strip()
    text = rendered(event)
    before = parsed(text)
    after = parsed(text)
    after.master.fields["summary"] = summary
    ops = plan_put(before, after)
    if summary == before.master.fields["summary"]:
        assert ops == []
    else:
        assert ops == [Op("patch", None, {"summary": summary},
                          undo={"summary": before.master.fields["summary"]})]
