"""Rules a client's VEVENT must meet before anything is sent to Google, each refusal naming
the property (RFC 5545 says so, or Google would refuse it with a less helpful message, or
would store something else than was meant). Also the one forgiving rule: a zero-length
all-day event (DTEND = DTSTART, written by several clients) is the one day RFC 5545 means.
Pure; raises ``ICalError`` (the write path answers 400).
"""

from __future__ import annotations

import datetime as dt

from icalendar.prop import vRecur


class CheckError(ValueError):
    """A rule broken; the message names the property (a from_ical.ICalError's base)."""


def end(event, start: dict, end_: dict) -> dict:
    """``end_`` checked against ``start``: DTEND before DTSTART, a negative DURATION or an
    end of another value type are refused; an all-day end on the start day is the next day."""
    if "DURATION" in event and event["DURATION"].dt < dt.timedelta(0):
        raise CheckError("DURATION is negative; an event cannot end before it starts.")
    if "date" in start:
        if "date" not in end_:
            raise CheckError("DTEND must be a DATE when DTSTART is one (an all-day event).")
        first, last = (dt.date.fromisoformat(e["date"]) for e in (start, end_))
        if last < first:
            raise CheckError("DTEND is before DTSTART; an event cannot end before it starts.")
        if last == first and first < dt.date.max:
            return {"date": (first + dt.timedelta(days=1)).isoformat()}
        return end_
    if "dateTime" not in end_:
        raise CheckError("DTEND must be a DATE-TIME when DTSTART is one.")
    if dt.datetime.fromisoformat(end_["dateTime"]) < dt.datetime.fromisoformat(start["dateTime"]):
        raise CheckError("DTEND is before DTSTART; an event cannot end before it starts.")
    return end_


def rule(name: str, value: vRecur) -> None:
    """An RRULE/EXRULE Google would store as sent but cannot expand (or refuses)."""
    count, until = value.get("COUNT"), value.get("UNTIL")
    if count is not None and until is not None:
        raise CheckError(f"{name} has both COUNT and UNTIL; RFC 5545 allows one of them.")
    if count is not None and any(int(c) < 1 for c in count):
        raise CheckError(f"{name} has COUNT below 1.")
    interval = value.get("INTERVAL")
    if interval is not None and any(int(i) < 1 for i in interval):
        raise CheckError(f"{name} has INTERVAL below 1.")
    if not value.get("FREQ"):
        raise CheckError(f"{name} has no FREQ.")


def override(event, master) -> None:
    """An override Google can hold: no RANGE, the series' value type for its start."""
    rid = event["RECURRENCE-ID"]
    if str(rid.params.get("RANGE", "")).upper() == "THISANDFUTURE":
        raise CheckError("RECURRENCE-ID;RANGE=THISANDFUTURE (this and every later occurrence) "
                         "cannot be stored on Google; end the series there and start a new "
                         "one instead.")
    if master is None or "DTSTART" not in master or "DTSTART" not in event:
        return
    timed = isinstance(master["DTSTART"].dt, dt.datetime)
    if isinstance(event["DTSTART"].dt, dt.datetime) != timed:
        kind, other = ("timed", "all-day") if timed else ("all-day", "timed")
        raise CheckError(f"An {other} override (RECURRENCE-ID) of a {kind} series cannot be "
                         f"stored on Google; its DTSTART must be {kind} too.")
