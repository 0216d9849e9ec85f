"""Event resources as the client sees them: stored records, tombstones, and the instances of a
recurring series (virtual ones computed from the master, stored exceptions in their place)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from . import recurrence, times
from .state import Calendar, EventRecord

# Upper bound on instances materialised for one series when the query gives no timeMax
# (Google pages through "all" instances of an infinite series; we stop here, documented).
MAX_SERIES_INSTANCES = 730

MINIMAL_KEYS = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime")
FREE_BUSY_KEYS = ("kind", "etag", "id", "status", "start", "end", "recurringEventId",
                  "originalStartTime", "transparency", "iCalUID", "eventType")


def minimal(resource: dict) -> dict:
    """A tombstone as incremental sync returns it without showDeleted."""
    return {k: resource[k] for k in MINIMAL_KEYS if k in resource}


def for_role(resource: dict, role: str) -> dict:
    """freeBusyReaders see only when the calendar is busy."""
    if role != "freeBusyReader":
        return resource
    return {k: resource[k] for k in FREE_BUSY_KEYS if k in resource}


def series_start(master: dict, calendar: Calendar) -> dt.datetime | dt.date:
    return times.event_start_value(master["start"], calendar.time_zone)


def duration(resource: dict, calendar: Calendar) -> dt.timedelta:
    start, end = resource["start"], resource["end"]
    if times.is_all_day(start):
        return dt.date.fromisoformat(end["date"]) - dt.date.fromisoformat(start["date"])
    return times.instant(end, calendar.time_zone) - times.instant(start, calendar.time_zone)


def virtual_instance(master: dict, calendar: Calendar, original: dt.datetime | dt.date) -> dict:
    """An unmodified instance, derived from its master."""
    tz = master["start"].get("timeZone")
    start = times.to_event_datetime(original, tz)
    end_value = original + duration(master, calendar)
    end = times.to_event_datetime(end_value, master["end"].get("timeZone") or tz)
    out = {k: v for k, v in master.items() if k not in ("recurrence", "id", "start", "end")}
    out["id"] = recurrence.instance_id(master["id"], original)
    out["recurringEventId"] = master["id"]
    out["originalStartTime"] = start
    out["start"], out["end"] = start, end
    # Rebuild in Google's field order: id right after etag.
    ordered = {"kind": out.pop("kind"), "etag": out.pop("etag"), "id": out.pop("id")}
    ordered.update(out)
    return ordered


def original_start_value(exception: dict, calendar: Calendar) -> dt.datetime | dt.date:
    return times.event_start_value(exception["originalStartTime"], calendar.time_zone)


def expand_series(calendar: Calendar, master: EventRecord, *, after: dt.datetime | None,
                  before: dt.datetime | None, include_cancelled: bool,
                  end_inclusive: bool = False) -> list[dict]:
    """The instances of a series overlapping [after, before) (UTC instants), with stored
    exceptions replacing their virtual instance. Moved exceptions are matched by their own
    times; cancelled ones are dropped unless asked for. ``end_inclusive``: an instance ending
    exactly at ``after`` counts (events.instances' timeMin is inclusive, events.list's not)."""
    resource = master.resource
    first = series_start(resource, calendar)
    span = duration(resource, calendar)
    all_day = not isinstance(first, dt.datetime)

    def bound(value: dt.datetime | None, pad: dt.timedelta) -> dt.datetime | dt.date | None:
        if value is None:
            return None
        value = value - pad
        return value.astimezone(calendar_zone(calendar)).date() if all_day else value

    lo = bound(after, span + (dt.timedelta(days=1) if all_day else dt.timedelta()))
    hi = bound(before, -dt.timedelta(days=1) if all_day else dt.timedelta())
    limit = MAX_SERIES_INSTANCES if before is None else 100_000
    exceptions = {r.id: r for r in calendar.exceptions_of(resource["id"])}
    out = []
    for original in recurrence.occurrences(resource["recurrence"], first, after=lo, before=hi,
                                           limit=limit):
        instance_id = recurrence.instance_id(resource["id"], original)
        exception = exceptions.pop(instance_id, None)
        item = exception.resource if exception else virtual_instance(resource, calendar, original)
        if item.get("status") == "cancelled" and not include_cancelled:
            continue
        if _overlaps(item, calendar, after, before, end_inclusive):
            out.append(item)
    # Exceptions moved into the window from an occurrence outside it.
    for exception in exceptions.values():
        item = exception.resource
        if item.get("status") == "cancelled" and not include_cancelled:
            continue
        if item.get("status") != "cancelled" and _overlaps(item, calendar, after, before,
                                                           end_inclusive):
            out.append(item)
    return out


def _overlaps(item: dict, calendar: Calendar, after: dt.datetime | None,
              before: dt.datetime | None, end_inclusive: bool = False) -> bool:
    if "start" not in item:            # a minimal cancelled exception
        return True
    start = times.instant(item["start"], calendar.time_zone)
    end = times.instant(item["end"], calendar.time_zone)
    if before is not None and start >= before:
        return False
    if after is not None and (end < after or end == after and not (
            end_inclusive or start == after)):
        return False
    return True


def calendar_zone(calendar: Calendar) -> ZoneInfo:
    return ZoneInfo(calendar.time_zone)


def bounds(resource: dict, calendar: Calendar) -> tuple[dt.datetime | None, dt.datetime | None]:
    """UTC start and end of a stored event (of a series: its first occurrence)."""
    if "start" not in resource or "end" not in resource:
        return None, None
    return (times.instant(resource["start"], calendar.time_zone),
            times.instant(resource["end"], calendar.time_zone))
