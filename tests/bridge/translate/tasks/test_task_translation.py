"""VTODO ⇄ Google task, pure: the mapped fields both ways, and what Google cannot hold kept
as sent while Google agrees."""

from __future__ import annotations

import pytest

from bridge.translate import ICalError, UnsupportedComponent
from bridge.translate.tasks import keep, parse, render

TASK = {"id": "T1", "title": "Buy milk", "updated": "2026-01-02T03:04:05.678Z",
        "status": "needsAction", "position": "00000000001099511627776",
        "webViewLink": "https://tasks.google.com/task/x?sa=6"}


def vtodo(*lines: str, extra: str = "") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + extra + "BEGIN:VTODO\r\n"
            "UID:u1\r\n" + "".join(line + "\r\n" for line in lines)
            + "END:VTODO\r\nEND:VCALENDAR\r\n")


def test_google_task_renders_as_vtodo():
    task = {**TASK, "notes": "two\nlines, really", "due": "2026-03-29T00:00:00.000Z",
            "status": "completed", "completed": "2026-03-01T10:00:00.000Z", "parent": "P"}
    text = render(task, "T1@tasks.google.com", "P@tasks.google.com", None).text
    for line in ("UID:T1@tasks.google.com", "DTSTAMP:20260102T030405Z", "SUMMARY:Buy milk",
                 "DESCRIPTION:two\\nlines\\, really", "DUE;VALUE=DATE:20260329",
                 "STATUS:COMPLETED", "COMPLETED:20260301T100000Z",
                 "RELATED-TO;RELTYPE=PARENT:P@tasks.google.com",
                 "URL:https://tasks.google.com/task/x?sa=6",
                 "X-GOOGLE-SORTKEY:00000000001099511627776"):
        assert line + "\r\n" in text


def test_rendering_ignores_google_etag():
    first = render({**TASK, "etag": '"a"'}, "u", None, None)
    assert render({**TASK, "etag": '"b"'}, "u", None, None).etag == first.etag


@pytest.mark.parametrize("due, date", [
    ("DUE;VALUE=DATE:20260329", "2026-03-29"),
    ("DUE;TZID=Asia/Tokyo:20260329T080000", "2026-03-29"),     # the date as written
    ("DUE:20260329T235959Z", "2026-03-29"),
    ("DUE:20260329T120000", "2026-03-29")])
def test_due_becomes_a_google_date(due, date):
    assert parse(vtodo(due)).fields["due"] == f"{date}T00:00:00.000Z"


@pytest.mark.parametrize("lines, status, completed", [
    ((), "needsAction", None),
    (("STATUS:IN-PROCESS",), "needsAction", None),
    (("STATUS:CANCELLED",), "needsAction", None),
    (("STATUS:COMPLETED",), "completed", None),
    (("STATUS:COMPLETED", "COMPLETED:20260301T100000Z"), "completed",
     "2026-03-01T10:00:00.000Z"),
    (("COMPLETED;TZID=Europe/Berlin:20260301T110000",), "completed",
     "2026-03-01T10:00:00.000Z")])
def test_status_and_completion(lines, status, completed):
    fields = parse(vtodo(*lines)).fields
    assert (fields["status"], fields["completed"]) == (status, completed)


def test_parent_is_related_to_parent_only():
    parsed = parse(vtodo("RELATED-TO;RELTYPE=SIBLING:s", "RELATED-TO:p"))
    assert parsed.parent_uid == "p"
    assert parsed.props == ["RELATED-TO;RELTYPE=SIBLING:s"]


def test_what_google_cannot_hold_comes_back_as_sent():
    zone = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000"
            "\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
    sent = vtodo("SUMMARY;LANGUAGE=de:Milch", "DUE;TZID=Europe/Berlin:20260329T150000",
                 "PRIORITY:1", "CATEGORIES:home,shop", "STATUS:IN-PROCESS",
                 "RRULE:FREQ=WEEKLY", "X-APPLE-SORT-ORDER:3", "BEGIN:VALARM",
                 "TRIGGER:-PT15M", "ACTION:DISPLAY", "DESCRIPTION:x", "END:VALARM", extra=zone)
    parsed = parse(sent)
    google = {**TASK, "title": "Milch", "due": "2026-03-29T00:00:00.000Z"}
    text = render(google, "u1", None, keep(parsed, google, None)).text
    for line in ("SUMMARY;LANGUAGE=de:Milch", "DUE;TZID=Europe/Berlin:20260329T150000",
                 "PRIORITY:1", "CATEGORIES:home,shop", "STATUS:IN-PROCESS",
                 "RRULE:FREQ=WEEKLY", "X-APPLE-SORT-ORDER:3", "TRIGGER:-PT15M",
                 "TZID:Europe/Berlin", "URL:https://tasks.google.com/task/x?sa=6"):
        assert line + "\r\n" in text
    assert "STATUS:NEEDS-ACTION" not in text and "DUE;VALUE=DATE" not in text


def test_google_wins_once_it_holds_another_value():
    parsed = parse(vtodo("SUMMARY:Milk", "DUE;TZID=Europe/Berlin:20260329T150000",
                         "STATUS:IN-PROCESS"))
    google = {**TASK, "title": "Milk", "due": "2026-03-29T00:00:00.000Z"}
    kept = keep(parsed, google, None)
    later = {**google, "due": "2026-04-01T00:00:00.000Z", "status": "completed",
             "completed": "2026-03-30T08:00:00.000Z"}
    text = render(later, "u1", None, kept).text
    assert "DUE;VALUE=DATE:20260401\r\n" in text and "STATUS:COMPLETED\r\n" in text


def test_nothing_kept_when_the_rendering_says_it_all():
    google = {**TASK, "title": "Milk"}
    text = render(google, "u1", None, None).text
    assert keep(parse(text), google, None) is None


def test_long_lines_fold_at_75_octets():
    text = render({**TASK, "title": "ü" * 100}, "u", None, None).text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert parse(text).fields["title"] == "ü" * 100


@pytest.mark.parametrize("text, error", [
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:e\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
     UnsupportedComponent),
    ("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:x\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", ICalError),
    ("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:x\r\nEND:VCALENDAR\r\n", ICalError),
    ("not ical at all", ICalError),
    (vtodo("DUE:tomorrow"), ICalError),
    (vtodo("SUMMARY:" + "x" * 1025), ICalError)])
def test_bad_input_is_a_clear_error(text, error):
    with pytest.raises(error):
        parse(text)
