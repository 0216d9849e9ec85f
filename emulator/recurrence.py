"""RFC 5545 recurrence expansion for Google Calendar events (pure functions, no I/O).

Google's ``recurrence`` lines carry no DTSTART; the series start is the event's ``start``.
Timed series expand on the wall clock of the start's zone (09:00 stays 09:00 across DST) and
are matched/deduplicated by UTC instant; all-day series expand on naive midnights internally.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as du

Start = dt.datetime | dt.date
UTC = dt.timezone.utc


class RecurrenceError(ValueError):
    """A recurrence list Google would reject; the message is meant for API clients."""


_FREQS = {"YEARLY": du.YEARLY, "MONTHLY": du.MONTHLY, "WEEKLY": du.WEEKLY, "DAILY": du.DAILY,
          "HOURLY": du.HOURLY, "MINUTELY": du.MINUTELY, "SECONDLY": du.SECONDLY}
_DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
# Numeric rule parts: name -> (dateutil keyword, min, max, negative allowed, list allowed).
# dateutil accepts out-of-range values and only fails (or never matches) while iterating.
_NUMS = {
    "COUNT": ("count", 1, None, False, False), "INTERVAL": ("interval", 1, None, False, False),
    "BYSECOND": ("bysecond", 0, 59, False, True), "BYMINUTE": ("byminute", 0, 59, False, True),
    "BYHOUR": ("byhour", 0, 23, False, True), "BYMONTH": ("bymonth", 1, 12, False, True),
    "BYMONTHDAY": ("bymonthday", 1, 31, True, True), "BYYEARDAY": ("byyearday", 1, 366, True, True),
    "BYWEEKNO": ("byweekno", 1, 53, True, True), "BYSETPOS": ("bysetpos", 1, 366, True, True),
}
_INT_RE = re.compile(r"[+-]?[0-9]{1,9}")       # no "1_0" or non-ASCII digits, which int() takes
_DAY_RE = re.compile(r"([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_VALUE_RE = re.compile(r"([0-9]{8})(?:T([0-9]{6})(Z?))?")
_ID_RE = re.compile(r"[0-9]{8}(T[0-9]{6}Z)?")


def _in_gap(value: dt.datetime) -> bool:
    """True for a local time that does not exist (clocks jumped over it)."""
    return value.astimezone(UTC).astimezone(value.tzinfo).replace(tzinfo=None) != \
        value.replace(tzinfo=None)


class _Series:
    """The frame a series is expanded in: an aware zone for timed, naive midnights for all-day."""

    def __init__(self, dtstart: Start):
        if isinstance(dtstart, dt.datetime):
            if dtstart.tzinfo is None or dtstart.utcoffset() is None:
                raise TypeError("a timed series start must be a timezone-aware datetime")
            self.all_day, self.tz = False, dtstart.tzinfo
            self.start = dtstart.replace(microsecond=0)  # dateutil drops microseconds too
            if _in_gap(self.start):
                # A wall time the DST gap skips: its fold picks the instant, and dateutil
                # (which forgets fold) generates fold=0, so agree with it or it counts twice.
                self.start = self.start.replace(fold=0)
        elif isinstance(dtstart, dt.date):
            self.all_day, self.tz = True, None
            self.start = dt.datetime.combine(dtstart, dt.time())
        else:
            raise TypeError(f"series start must be a date or datetime, not {dtstart!r}")

    def key(self, value: dt.datetime) -> dt.datetime:
        # UTC for timed values: comparing aware datetimes that share a tzinfo compares wall
        # clocks (ignoring fold), and == across zones is False for ambiguous times.
        return value if self.all_day else value.astimezone(UTC)

    def bound(self, value: Start) -> dt.datetime:
        """A caller's after/before/original_start as an internal key."""
        if self.all_day:
            if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                raise TypeError("bounds of an all-day series must be dates")
            return dt.datetime.combine(value, dt.time())
        if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise TypeError("bounds of a timed series must be timezone-aware datetimes")
        return value.astimezone(UTC)

    def output(self, value: dt.datetime) -> Start:
        return value.date() if self.all_day else value.astimezone(self.tz)

    def value(self, text: str, tz: dt.tzinfo | None, kind: str, what: str) -> dt.datetime:
        """An RDATE/EXDATE/UNTIL value in this series' frame."""
        m = _VALUE_RE.fullmatch(text.strip())
        if not m or (kind == "DATE" and m[2]) or (kind == "PERIOD" and not m[2]):
            raise RecurrenceError(f"Invalid {what} value: {text}")
        try:
            day = dt.datetime.strptime(m[1], "%Y%m%d")
            if m[2]:
                day = day.replace(hour=int(m[2][:2]), minute=int(m[2][2:4]), second=int(m[2][4:]))
        except ValueError:
            raise RecurrenceError(f"Invalid {what} value: {text}") from None
        if self.all_day:
            return day.replace(hour=0, minute=0, second=0)  # date-times match by their date
        if not m[2]:   # a DATE in a timed series means the series' wall time on that day
            return dt.datetime.combine(day.date(), self.start.timetz())
        return day.replace(tzinfo=UTC if m[3] else (tz or self.tz))  # floating: the series zone


def _weekday(text: str) -> du.weekday:
    m = _DAY_RE.fullmatch(text)
    n = int(m[1]) if m and m[1] else None
    if not m or (n is not None and not 1 <= abs(n) <= 53):
        raise ValueError(text)
    return du.weekdays[_DAYS[m[2]]](n)


def _rule(text: str, series: _Series) -> dict:
    """Validated dateutil keyword arguments for one RRULE/EXRULE value."""
    try:
        parts: dict[str, str] = {}
        for part in filter(None, text.split(";")):    # tolerate a trailing ";"
            name, sep, value = part.partition("=")
            name, value = name.strip().upper(), value.strip().upper()
            if not sep or not value or name in parts:
                raise ValueError(part)
            parts[name] = value
        kw: dict = {"freq": _FREQS[parts.pop("FREQ")], "dtstart": series.start, "cache": False}
        for name, value in parts.items():
            if name == "UNTIL":
                until = series.value(value, None, "UNTIL", "UNTIL")
                if len(value) == 8:   # a DATE includes that whole day
                    until = until.replace(hour=23, minute=59, second=59)
                kw["until"] = until   # aware (UTC or series zone) iff the series is timed
            elif name == "WKST":
                kw["wkst"] = _DAYS[value]
            elif name == "BYDAY":
                kw["byweekday"] = [_weekday(v) for v in value.split(",")]
            else:
                arg, lo, hi, signed, many = _NUMS[name]
                nums = [int(v) if _INT_RE.fullmatch(v) else None for v in value.split(",")]
                if None in nums or (len(nums) > 1 and not many) or any(
                        (abs(n) if signed else n) < lo or (hi and abs(n) > hi) for n in nums):
                    raise ValueError(value)
                kw[arg] = nums if many else nums[0]
        if "count" in kw and "until" in kw:
            raise RecurrenceError(f"COUNT and UNTIL cannot both be set: {text}")
        du.rrule(**kw)   # let dateutil reject combinations it cannot expand
        return kw
    except RecurrenceError:
        raise
    except (KeyError, ValueError, TypeError):
        raise RecurrenceError(f"Invalid recurrence rule: {text}") from None


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """NAME;PARAM=V;...:VALUE -> (NAME, params, VALUE); a quoted TZID may contain ':'."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            break
    else:
        raise RecurrenceError(f"Invalid recurrence line: {line}")
    name, *raw = line[:i].split(";")
    if not all("=" in p for p in raw):
        raise RecurrenceError(f"Invalid recurrence line: {line}")
    pairs = (p.partition("=") for p in raw)
    params = {k.strip().upper(): v.strip().strip('"') for k, _, v in pairs}
    return name.strip().upper(), params, line[i + 1:]


class _Parsed:
    def __init__(self, lines: list[str], dtstart: Start):
        if isinstance(lines, str):
            raise TypeError("recurrence must be a list of lines, not a string")
        self.series = s = _Series(dtstart)
        self.rules: list[dict] = []            # dateutil rrule keyword arguments
        self.exrules: list[dict] = []
        self.rdates: list[dt.datetime] = []    # in the series frame
        self.exdates: set[dt.datetime] = set()  # keys
        for line in lines:
            if not isinstance(line, str):
                raise RecurrenceError(f"Invalid recurrence line: {line!r}")
            name, params, value = _split(line)
            if name in ("RRULE", "EXRULE"):
                (self.rules if name == "RRULE" else self.exrules).append(_rule(value, s))
            elif name in ("RDATE", "EXDATE"):
                kind = params.get("VALUE", "DATE-TIME").upper()
                if kind not in ("DATE-TIME", "DATE") and (kind, name) != ("PERIOD", "RDATE"):
                    raise RecurrenceError(f"Invalid {name} value type: {kind}")
                try:
                    tz = ZoneInfo(params["TZID"]) if "TZID" in params else None
                except (ZoneInfoNotFoundError, ValueError):
                    raise RecurrenceError(f"Unknown time zone: {params['TZID']}") from None
                for item in value.split(","):
                    if kind == "PERIOD":   # start/end or start/duration: only the start matters
                        item, sep, end = item.partition("/")
                        if not sep or not end:
                            raise RecurrenceError(f"Invalid RDATE period: {value}")
                    when = s.value(item, tz, kind, name)
                    if name == "RDATE":
                        self.rdates.append(when)
                    else:
                        self.exdates.add(s.key(when))
            else:
                raise RecurrenceError("Invalid recurrence line (only RRULE, EXRULE, RDATE and "
                                      f"EXDATE are allowed): {line}")
        if lines and not self.rules and not self.rdates:
            raise RecurrenceError("A recurrence needs an RRULE or RDATE line")
        # RFC 5545: "The DTSTART property value always counts as the first occurrence", also
        # for COUNT when DTSTART does not match the rule itself (dateutil ignores this).
        # Compared as wall clocks: dateutil's first value lacks the start's DST `fold`.
        for i, kw in enumerate(self.rules):
            first = next(iter(du.rrule(**kw)), None) if "count" in kw else None
            if "count" in kw and (first is None or first.replace(tzinfo=None)
                                  != s.start.replace(tzinfo=None)):
                self.rules[i] = {**kw, "count": kw["count"] - 1} if kw["count"] > 1 else None
        self.rules = [kw for kw in self.rules if kw is not None]

    def _expand(self, kw: dict, lo: dt.datetime | None) -> Iterator[dt.datetime]:
        # Never before the start instant: dateutil drops `fold`, so for a start in the repeated
        # DST hour its first value would be the earlier (fold=0) instant.
        start = self.series.key(self.series.start)
        return du.rrule(**kw).xafter(start if lo is None else max(lo, start), inc=True)

    def iterate(self, lo: dt.datetime | None, hi: dt.datetime | None) -> Iterator[Start]:
        """Occurrences with lo <= key < hi, ascending and deduplicated by key."""
        key = self.series.key
        sources = [[self.series.start], sorted(self.rdates, key=key)]
        sources += [self._expand(kw, lo) for kw in self.rules]
        ex_iters = [self._expand(kw, lo) for kw in self.exrules]
        ex_heads = [next(it, None) for it in ex_iters]
        last = None
        for value in heapq.merge(*sources, key=key):
            k = key(value)
            if hi is not None and k >= hi:
                return
            if (lo is not None and k < lo) or k == last:
                continue
            last = k
            excluded = k in self.exdates
            for i, it in enumerate(ex_iters):   # walk each EXRULE alongside the candidates
                while ex_heads[i] is not None and key(ex_heads[i]) < k:
                    ex_heads[i] = next(it, None)
                excluded = excluded or (ex_heads[i] is not None and key(ex_heads[i]) == k)
            if not excluded:
                yield self.series.output(value)


def validate(lines: list[str], dtstart: Start) -> None:
    """Raise RecurrenceError if Google would reject ``lines`` for a series starting at dtstart."""
    _Parsed(lines, dtstart)


def occurrences(lines: list[str], dtstart: Start, *, after: Start | None = None,
                before: Start | None = None, limit: int = 5000) -> list[Start]:
    """Original starts in [after, before), ascending, at most ``limit`` of them."""
    p = _Parsed(lines, dtstart)
    lo = None if after is None else p.series.bound(after)
    hi = None if before is None else p.series.bound(before)
    return list(itertools.islice(p.iterate(lo, hi), max(limit, 0)))


def is_occurrence(lines: list[str], dtstart: Start, original_start: Start) -> bool:
    p = _Parsed(lines, dtstart)
    at = p.series.bound(original_start)
    # A one-microsecond window: expansion stops at the first value at or after `at`.
    return any(True for _ in p.iterate(at, at + dt.timedelta(microseconds=1)))


def instance_id(master_id: str, original_start: Start) -> str:
    """Google's id of one instance: master id, "_", then the original start (UTC or date)."""
    if isinstance(original_start, dt.datetime):
        if original_start.tzinfo is None or original_start.utcoffset() is None:
            raise TypeError("a timed original start must be timezone-aware")
        when = original_start.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        return f"{master_id}_{when.replace('-', '').replace(':', '')}Z"
    return f"{master_id}_{original_start.isoformat().replace('-', '')}"


def parse_instance_id(event_id: str) -> tuple[str, Start] | None:
    """(master id, original start) from an instance id, or None if it is not one."""
    master, sep, suffix = event_id.rpartition("_")
    m = _ID_RE.fullmatch(suffix)
    if not sep or not master or not m:
        return None
    try:
        if m[1]:
            return master, dt.datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return master, dt.datetime.strptime(suffix, "%Y%m%d").date()
    except ValueError:
        return None
