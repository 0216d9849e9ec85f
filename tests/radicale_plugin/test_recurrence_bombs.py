"""Recurrence bombs through a real bridge: a series beyond the write limits is refused with
400 naming the limit, quickly and before Google holds anything; a series Google already
holds with such a rule is indexed within a bounded amount of work."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

HEAD = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n")
MASTER = ("BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
          "DTSTART:20260105T090000Z\r\nDTEND:20260105T093000Z\r\n{extra}SUMMARY:bomb\r\n"
          "END:VEVENT\r\n")


def hour(n: int) -> str:
    return (dt.datetime(2026, 1, 5, 9) + dt.timedelta(hours=n)).strftime("%Y%m%dT%H%M%SZ")


def override(uid: str, n: int) -> str:
    stamp = hour(n)
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:{stamp}"
            f"\r\nDTSTART:{stamp}\r\nDURATION:PT1H\r\nSUMMARY:moved\r\nEND:VEVENT\r\n")


def exdates(count: int) -> str:
    return "EXDATE:" + ",".join(hour(n) for n in range(1, count + 1)) + "\r\n"


BOMBS = {
    "every second forever": (lambda uid: MASTER.format(uid=uid, extra="RRULE:FREQ=SECONDLY\r\n"),
                             "limit: occurrences"),
    "every minute, 100,000 times": (lambda uid: MASTER.format(
        uid=uid, extra="RRULE:FREQ=MINUTELY;COUNT=100000\r\n"), ""),    # Radicale's own
    "February 30th": (lambda uid: MASTER.format(
        uid=uid, extra="RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\r\n"), "February 30th"),
    "3,000 overrides": (lambda uid: MASTER.format(uid=uid, extra="RRULE:FREQ=HOURLY\r\n")
                        + "".join(override(uid, n) for n in range(3000)), "limit: overrides"),
    "10,000 EXDATEs": (lambda uid: MASTER.format(uid=uid, extra="RRULE:FREQ=HOURLY\r\n"
                                                 + exdates(10_000)), "limit: dates"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_recurrence_bomb_is_refused_quickly_before_google(make_bridge, alice, svc, control,
                                                          name):
    build, limit = BOMBS[name]
    server = make_bridge(alice)
    url = server.calendar_url(alice["account"])
    uid = str(uuid.uuid4())
    before = control.calls()
    started = time.monotonic()
    answer = server.session.put(url + f"{uid}.ics", data=(HEAD + build(uid) + "END:VCALENDAR\r\n"),
                                headers={"Content-Type": "text/calendar"})
    elapsed = time.monotonic() - started
    assert answer.status_code == 400, answer.text[:300]
    assert limit in answer.text
    assert elapsed < 10          # seconds on a busy machine; minutes before the limits
    after = control.calls()
    writes = {k: after.get(k, 0) - before.get(k, 0) for k in after
              if any(verb in k for verb in ("insert", "patch", "update", "delete", "import"))}
    assert not any(writes.values()), writes
    assert svc.events().list(calendarId=alice["account"], iCalUID=uid).execute()["items"] == []


def test_a_secondly_series_held_by_google_is_indexed_with_bounded_work(make_bridge, alice, svc):
    svc.events().insert(calendarId=alice["account"], body={
        "summary": "tick", "start": {"dateTime": "2020-01-01T00:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": "2020-01-01T00:00:01Z", "timeZone": "UTC"},
        "recurrence": ["RRULE:FREQ=SECONDLY"]}).execute()
    started = time.monotonic()
    server = make_bridge(alice)
    url = server.calendar_url(alice["account"])
    listing = server.session.request("PROPFIND", url, headers={"Depth": "1"})
    assert listing.status_code == 207
    assert time.monotonic() - started < 30
