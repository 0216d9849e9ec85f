"""Google ``recurrence`` lines → icalendar properties, and the time span of a series.

``parse_recurrence`` runs each RRULE/EXRULE/RDATE/EXDATE line through icalendar's parser
(so values re-serialise cleanly and TZIDs are validated); ``series_span`` expands the
series with dateutil to find where it ends (capped; open-ended → ``None``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from dateutil.rrule import rruleset, rrulestr
from icalendar import Event
from icalendar.prop import vDDDLists, vRecur

from ..timezones import UTC, instant, is_all_day, to_date, to_zone

RECURRENCE_NAMES = ("RRULE", "EXRULE", "RDATE", "EXDATE")
#: Expand at most this many occurrences to find the end of a finite series.
EXPANSION_CAP = 20_000
#: Occurrences walked from DTSTART at most to find those within the index's horizon.
STEP_BUDGET = 50_000


@dataclass
class Recurrence:
    """Parsed ``recurrence`` lines of a master event, in their original order."""

    properties: list[tuple[str, object]] = field(default_factory=list)  # (name, icalendar value)

    def values(self, name: str) -> list:
        return [value for prop_name, value in self.properties if prop_name == name]

    def dates(self, name: str) -> list:
        """The date/datetime values of all RDATE or EXDATE lines (PERIOD → its start)."""
        out = []
        for prop in self.values(name):
            for item in prop.dts:
                value = item.dt
                if isinstance(value, tuple):
                    value = value[0]
                if isinstance(value, (date, datetime)):
                    out.append(value)
        return out

    @property
    def is_recurring(self) -> bool:
        return bool(self.values("RRULE") or self.values("RDATE"))


def parse_recurrence(lines: object) -> Recurrence:
    """Parse Google ``recurrence`` strings; unparsable or unknown lines are dropped."""
    result = Recurrence()
    if not isinstance(lines, (list, tuple)):
        return result
    for line in lines:
        if not isinstance(line, str):
            continue
        line = line.strip().replace("\r", "").replace("\n", "")
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        if name not in RECURRENCE_NAMES:
            continue
        try:
            parsed = Event.from_ical(f"BEGIN:VEVENT\r\n{line}\r\nEND:VEVENT\r\n")
        except (ValueError, IndexError, KeyError, TypeError):
            continue
        for value in _as_list(parsed.get(name)):
            if isinstance(value, vRecur) and value.get("FREQ"):
                result.properties.append((name, value))
            elif isinstance(value, vDDDLists) and value.dts:
                result.properties.append((name, value))
    return result


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _normalise(value: date | datetime, start: date | datetime, zone: tzinfo) -> datetime:
    """``value`` in the same kind as the dateutil ``dtstart`` built from ``start``."""
    if is_all_day(start):  # naive local datetimes at midnight
        return datetime.combine(to_date(value, zone), time())
    return to_zone(value, start.tzinfo, template=start)


def _rule_for_dateutil(rule: vRecur, start: date | datetime, zone: tzinfo) -> str:
    """The rule as text dateutil accepts with our dtstart (UNTIL of matching kind)."""
    rule = vRecur(dict(rule))
    until = rule.get("UNTIL")
    if until:
        value = until[0] if isinstance(until, list) else until
        if is_all_day(start):
            value = datetime.combine(to_date(value, zone), time())
        elif is_all_day(value):  # inclusive through that local day
            value = datetime.combine(value, time(23, 59, 59), tzinfo=start.tzinfo).astimezone(UTC)
        else:
            value = to_zone(value, start.tzinfo).astimezone(UTC)
        rule["UNTIL"] = [value]
    return rule.to_ical().decode()


def is_open_ended(recurrence: Recurrence) -> bool:
    return any(not rule.get("COUNT") and not rule.get("UNTIL")
               for rule in recurrence.values("RRULE"))


def series_span(start: date | datetime, end: date | datetime, recurrence: Recurrence,
                extra_exdates: list, zone: tzinfo) -> tuple[int, int | None]:
    """(earliest start, latest end) in POSIX seconds of a master's occurrences.

    ``zone`` places all-day values (the calendar zone).  The end is None for an
    open-ended series, or when it cannot be determined within ``EXPANSION_CAP``
    occurrences without an UNTIL to fall back on (callers treat None as "forever").
    Deliberately conservative: DTSTART always counts as an occurrence.
    """
    first = instant(start, zone)
    last_end = instant(end, zone)
    if is_all_day(start):
        dtstart = datetime.combine(start, time())
        duration = timedelta(days=max((end - start).days, 0))
    else:
        dtstart = start
        duration = max(end - start, timedelta(0))

    def occurrence_end(value: datetime) -> int:
        if is_all_day(start):  # nominal days, local to the calendar zone
            return instant(value + duration, zone)
        return instant(value, zone) + int(duration.total_seconds())  # exact duration

    rdates = [_normalise(v, start, zone) for v in recurrence.dates("RDATE")]
    for value in rdates:
        first = min(first, instant(value, zone))
        last_end = max(last_end, occurrence_end(value))
    rules = recurrence.values("RRULE")
    if not rules:
        return first, last_end
    if is_open_ended(recurrence):
        return first, None

    rset = rruleset()
    try:
        for rule in rules:
            rset.rrule(rrulestr(_rule_for_dateutil(rule, start, zone), dtstart=dtstart))
        for rule in recurrence.values("EXRULE"):
            rset.exrule(rrulestr(_rule_for_dateutil(rule, start, zone), dtstart=dtstart))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        return first, None
    for value in recurrence.dates("EXDATE") + list(extra_exdates):
        rset.exdate(_normalise(value, start, zone))

    try:
        expanded = list(itertools.islice(rset, EXPANSION_CAP + 1))
        capped = len(expanded) > EXPANSION_CAP
    except (ValueError, TypeError, OverflowError):
        expanded, capped = [], True
    if capped:
        untils = [rule.get("UNTIL") for rule in rules]
        if not all(untils):
            return first, None
        latest = max(_normalise(u[0] if isinstance(u, list) else u, start, zone) for u in untils)
        return first, max(last_end, occurrence_end(latest))
    for value in expanded:
        last_end = max(last_end, occurrence_end(value))
    return first, last_end


def occurrence_starts(start: date | datetime, recurrence: Recurrence, exdates: list,
                      zone: tzinfo, after: datetime, before: datetime,
                      limit: int = EXPANSION_CAP) -> list[date | datetime]:
    """Starts of a master's occurrences (DTSTART, RRULE/RDATE, minus EXRULE/EXDATE/exdates)
    beginning in [after, before) — instants; for the occurrence index. At most ``limit``
    of them, found within ``STEP_BUDGET`` occurrences from DTSTART."""
    if is_all_day(start):
        dtstart = datetime.combine(start, time())
        lo = datetime.combine(to_date(after, zone), time())
        hi = datetime.combine(to_date(before, zone), time()) + timedelta(days=1)
    else:
        dtstart, lo, hi = start, after.astimezone(start.tzinfo), before.astimezone(start.tzinfo)
    rset = rruleset()
    rset.rdate(dtstart)
    for rule in recurrence.values("RRULE"):
        rset.rrule(rrulestr(_rule_for_dateutil(rule, start, zone), dtstart=dtstart))
    for rule in recurrence.values("EXRULE"):
        rset.exrule(rrulestr(_rule_for_dateutil(rule, start, zone), dtstart=dtstart))
    for value in recurrence.dates("RDATE"):
        rset.rdate(_normalise(value, start, zone))
    for value in recurrence.dates("EXDATE") + list(exdates):
        rset.exdate(_normalise(value, start, zone))
    values = []
    # Walked step by step from DTSTART: a rule repeating every second from long ago must
    # cost a bounded amount of work, not one step per second since then.
    for value in itertools.islice(rset, STEP_BUDGET):
        if value > hi or len(values) >= limit:
            break
        if value >= lo:
            values.append(value)
    return [v.date() for v in values] if is_all_day(start) else values
