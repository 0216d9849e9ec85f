"""sent.served / sent.same_meaning and exclusions.fold: which text clients are served after a
write (the client's own bytes only while Google holds their meaning). Pure."""

from __future__ import annotations

import pytest

from bridge.translate import CalendarContext, parse, render
from bridge.translate.events import exclusions, sent

ZONE = "Europe/Berlin"
CTX = CalendarContext(ZONE, ())


def google(**extra) -> dict:
    return {"id": "e1", "iCalUID": "u1", "status": "confirmed", "summary": "Weekly",
            "updated": "2026-01-01T00:00:00Z",
            "start": {"dateTime": "2026-06-01T09:00:00+02:00", "timeZone": ZONE},
            "end": {"dateTime": "2026-06-01T10:00:00+02:00", "timeZone": ZONE},
            "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=4"],
            "reminders": {"useDefault": False}, **extra}


def client(*extra_vevents: str, summary: str = "Weekly", master_extra: str = "") -> str:
    master = ("BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20250101T000000Z\r\nSEQUENCE:7\r\n"
              "DTSTART;TZID=Europe/Berlin:20260601T090000\r\n"
              "DTEND;TZID=Europe/Berlin:20260601T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n"
              f"SUMMARY:{summary}\r\n{master_extra}END:VEVENT\r\n")
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//me//EN\r\n" + master
            + "".join(extra_vevents) + "END:VCALENDAR\r\n")


CANCELLED_8TH = ("BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20250101T000000Z\r\n"
                 "RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r\n"
                 "DTSTART;TZID=Europe/Berlin:20260608T090000\r\n"
                 "DTEND;TZID=Europe/Berlin:20260608T100000\r\nSTATUS:CANCELLED\r\n"
                 "END:VEVENT\r\n")


def test_the_clients_text_is_served_while_google_means_the_same():
    rendered = render([google()], CTX)
    text = client()
    served = sent.served(rendered, text, ZONE)
    assert served.text == text and served.etag != rendered.etag
    assert (served.start, served.end, served.recurring) == (
        rendered.start, rendered.end, rendered.recurring)


@pytest.mark.parametrize("text", [client(summary="Mine"), client(master_extra="LOCATION:x\r\n"),
                                  client(CANCELLED_8TH), "not iCalendar", None])
def test_the_rendering_is_served_when_the_meaning_differs_or_nothing_was_kept(text):
    rendered = render([google()], CTX)
    assert sent.served(rendered, text, ZONE) == rendered


def test_a_cancelled_override_means_the_exdate_google_renders():
    cancelled = {"id": "e1_20260608T070000Z", "recurringEventId": "e1", "status": "cancelled",
                 "originalStartTime": {"dateTime": "2026-06-08T09:00:00+02:00",
                                       "timeZone": ZONE}}
    rendered = render([google(), cancelled], CTX)
    assert "EXDATE" in rendered.text
    assert sent.served(rendered, client(CANCELLED_8TH), ZONE).text == client(CANCELLED_8TH)


def test_fold_merges_exdates_and_cancelled_overrides_into_one_sorted_line():
    folded = exclusions.fold(parse(client(CANCELLED_8TH, master_extra=(
        "EXDATE;TZID=Europe/Berlin:20260622T090000\r\n"
        "EXDATE:20260615T070000Z\r\n")), ZONE))
    assert folded.overrides == {}
    assert folded.master.fields["recurrence"] == [
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE;TZID=Europe/Berlin:20260608T090000,20260615T090000,20260622T090000"]


def test_fold_keeps_a_cancelled_override_the_other_side_has_modified():
    parsed = parse(client(CANCELLED_8TH), ZONE)
    [stamp] = parsed.overrides
    assert exclusions.fold(parsed, {stamp}).overrides.keys() == {stamp}


def test_a_special_event_type_the_client_claims_is_not_googles_meaning():
    rendered = render([google()], CTX)
    claimed = client(master_extra="X-GOOGLE-EVENT-TYPE:focusTime\r\n")
    assert sent.served(rendered, claimed, ZONE) == rendered
