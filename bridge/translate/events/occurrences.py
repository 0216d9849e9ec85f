"""The occurrence index: when each recurring resource happens, over a bounded horizon.

A series' overall span is open-ended, so a plain start/end index matches every series and
Radicale would then parse each one to test a time range. With the occurrences of the next
few years stored, the store answers calendar-query time ranges itself (the point of the
benchmark's one-week query); outside the horizon Radicale still checks, as before.

Instants follow Radicale's time-range rules exactly, so the store's answer is Radicale's: a
DATE (all-day) value counts from midnight UTC (radicale.item.filter.date_to_datetime).
"""

from __future__ import annotations

import datetime as dt
import time

from ...model import Occurrences
from .to_ical import CalendarContext
from .recurrence import occurrence_starts, parse_recurrence
from ..timezones import UTC, effective_zone, event_time, instant, is_all_day

PAST, FUTURE = dt.timedelta(days=366), dt.timedelta(days=2 * 366)
DAY = 86400
MAX_PER_SERIES = 5000


def horizon(now: float | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Whole days around now, so resources indexed the same day share one horizon."""
    today = dt.datetime.fromtimestamp(now or time.time(), dt.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0)
    return today - PAST, today + FUTURE


def index(events: list[dict], ctx: CalendarContext) -> Occurrences | None:
    """Occurrence spans of a recurring resource within the horizon; None if not recurring."""
    master = next((e for e in events if not e.get("recurringEventId")
                   and e.get("status") != "cancelled" and e.get("recurrence")), None)
    if master is None:
        return None
    times = _times(master, ctx)
    if times is None:
        return None
    start, end = times
    zone = UTC if is_all_day(start) else effective_zone(ctx.time_zone)
    recurrence = parse_recurrence(master["recurrence"])
    if not recurrence.is_recurring:
        return None
    exceptions = [e for e in events if e.get("recurringEventId") and e.get("originalStartTime")]
    originals = [event_time(e["originalStartTime"], (master.get("start") or {}).get("timeZone"),
                            ctx.time_zone) for e in exceptions]
    lo, hi = horizon()
    length = end - start
    try:
        starts = occurrence_starts(start, recurrence, [o for o in originals if o is not None],
                                   effective_zone(ctx.time_zone), lo, hi, MAX_PER_SERIES)
    except (ValueError, TypeError, OverflowError):
        return None
    starts = starts[:MAX_PER_SERIES]
    if is_all_day(start):           # nominal days from midnight UTC, as Radicale counts
        spans = [(instant(s, zone), instant(s + length, zone)) for s in starts]
    else:                           # an exact duration
        seconds = int(length.total_seconds())
        spans = [(int(s.timestamp()), int(s.timestamp()) + seconds) for s in starts]
    for event in exceptions:            # moved occurrences happen at their own times
        if event.get("status") == "cancelled":
            continue
        own = bounds(event, ctx)
        if own is not None:
            spans.append(own)
    return Occurrences(int(lo.timestamp()), int(hi.timestamp()), tuple(sorted(set(spans))))


def _times(event: dict, ctx: CalendarContext):
    """(start, end) as dates or aware datetimes; None if missing or of mixed kinds."""
    start = event_time(event.get("start"), ctx.time_zone)
    end = event_time(event.get("end"), (event.get("start") or {}).get("timeZone"),
                     ctx.time_zone)
    if start is None or end is None or is_all_day(start) != is_all_day(end):
        return None
    return start, end


def bounds(event: dict, ctx: CalendarContext) -> tuple[int, int] | None:
    """An event's own (start, end) by Radicale's rules (all-day from midnight UTC)."""
    times = _times(event, ctx)
    if times is None:
        return None
    if is_all_day(times[0]):
        start, end = instant(times[0], UTC), instant(times[1], UTC)
        # A day without a later end (9999-12-31 has no next day) lasts one day, as for
        # Radicale a DTSTART DATE alone does; counted in seconds, which cannot overflow.
        return start, max(end, start + DAY)
    zone = effective_zone(ctx.time_zone)
    return instant(times[0], zone), instant(times[1], zone)


def single_bounds(events: list[dict], ctx: CalendarContext) -> tuple[int, int] | None:
    """(start, end) of a non-recurring resource by Radicale's rules, if it has one event."""
    main = [e for e in events if e.get("status") != "cancelled"]
    return bounds(main[0], ctx) if len(main) == 1 and not main[0].get("recurrence") else None
