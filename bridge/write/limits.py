"""Bounds on the recurrence work one client write may cause, checked before any Google call.

A series costs one Google call per changed or cancelled instance and expansion work on every
sync and query; a client can make either unbounded (thousands of overrides, ten thousand
EXDATEs, a rule repeating every second forever, a rule that never occurs such as February
30th). Such a PUT is refused with 400 naming the limit — quickly, and before Google holds
anything — rather than running for minutes or failing half-way with a misleading answer.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime

from dateutil.rrule import rrulestr

from .. import errors
from ..translate import Parsed

MAX_OVERRIDES = 500             # changed/cancelled instances: one Google call each
MAX_DATES = 1000                # EXDATE and RDATE values of one series
MAX_FINE_OCCURRENCES = 1000     # a rule repeating every second or minute must end by then
FINE = ("SECONDLY", "MINUTELY")
LONGEST = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}    # days of the longest such month


def check(parsed: Parsed) -> None:
    """Raise errors.Invalid naming the limit a series exceeds; return if within them all."""
    if len(parsed.overrides) > MAX_OVERRIDES:
        raise errors.Invalid(f"The series has {len(parsed.overrides)} changed or cancelled "
                             f"instances; the bridge accepts at most {MAX_OVERRIDES} "
                             "(limit: overrides per series).")
    master = parsed.master
    lines = (master.fields.get("recurrence") or []) if master else []
    dates = sum(_date_count(line) for line in lines
                if line.upper().startswith(("EXDATE", "RDATE")))
    if dates > MAX_DATES:
        raise errors.Invalid(f"The series lists {dates} EXDATE/RDATE dates; the bridge "
                             f"accepts at most {MAX_DATES} (limit: dates per series).")
    start = _start(master.fields.get("start") or {}) if master else None
    for line in lines:
        if line.upper().startswith(("RRULE", "EXRULE")) and start is not None:
            _check_rule(line, start)


def _date_count(line: str) -> int:
    return line.partition(":")[2].count(",") + 1


def _start(edt: dict) -> datetime | None:
    """A naive dtstart for probing rules (the zone does not change how often they occur)."""
    try:
        if "dateTime" in edt:
            return datetime.fromisoformat(edt["dateTime"].replace("Z", "+00:00")) \
                .replace(tzinfo=None)
        if "date" in edt:
            return datetime.combine(date.fromisoformat(edt["date"]), datetime.min.time())
    except (TypeError, ValueError):
        return None
    return None


def _check_rule(line: str, start: datetime) -> None:
    text = line.partition(":")[2]
    parts = dict(part.partition("=")[::2] for part in text.upper().split(";") if part)
    if not _possible(parts):
        raise errors.Invalid("The series' RRULE never yields a date (such as February 30th); "
                             "nothing would be shown.")
    try:
        rule = rrulestr(text, dtstart=start, ignoretz=True)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise errors.Invalid("The series' RRULE is not a valid recurrence rule.") from None
    if parts.get("FREQ") in FINE and _more_than(rule, MAX_FINE_OCCURRENCES):
        raise errors.Invalid(f"The series repeats {parts['FREQ'].lower()} with more than "
                             f"{MAX_FINE_OCCURRENCES} occurrences (limit: occurrences of a "
                             "rule repeating every second or minute).")


def _more_than(rule, count: int) -> bool:
    return sum(1 for _ in itertools.islice(rule, count + 1)) > count


def _possible(parts: dict) -> bool:
    """Whether some listed month has some listed day (no February 30th). Checked by hand:
    dateutil looks for an impossible rule's first date up to year 9999, taking minutes."""
    try:
        days = [int(d) for d in parts.get("BYMONTHDAY", "").split(",") if d]
        months = [int(m) for m in parts.get("BYMONTH", "").split(",") if m] or range(1, 13)
    except ValueError:
        return False
    return not days or any(0 < abs(day) <= LONGEST.get(month, 31)
                           for month in months for day in days)


def scan(text: str) -> None:
    """The same counting limits on raw iCalendar text, in one pass over its lines, for use
    before any parser sees it (parsing 3,000 overrides alone takes seconds)."""
    overrides = dates = 0
    in_dates = False
    for line in text.splitlines():
        if line[:1] in (" ", "\t"):         # a folded continuation of the line before
            dates += line.count(",") if in_dates else 0
            continue
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        in_dates = name in ("EXDATE", "RDATE")
        if in_dates:
            dates += line.partition(":")[2].count(",") + 1
        elif name == "RECURRENCE-ID":
            overrides += 1
    if overrides > MAX_OVERRIDES:
        raise errors.Invalid(f"The series has {overrides} changed or cancelled instances; the "
                             f"bridge accepts at most {MAX_OVERRIDES} (limit: overrides per "
                             "series).")
    if dates > MAX_DATES:
        raise errors.Invalid(f"The series lists {dates} EXDATE/RDATE dates; the bridge "
                             f"accepts at most {MAX_DATES} (limit: dates per series).")
