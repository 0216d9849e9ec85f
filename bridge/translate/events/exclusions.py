"""One form for "this occurrence does not happen", so the two forms compare equal.

A client may say it with an EXDATE or with an override carrying STATUS:CANCELLED (Evolution,
Exchange); the rendering of a Google series always says it with an EXDATE. Compared as sent,
a client's cancelled override would differ from our EXDATE on every identical PUT (and cost
two Google writes each time). ``fold`` rewrites a resource into the EXDATE form: cancelled
overrides of a recurring master become EXDATE values, and all EXDATE values of the master
are merged into sorted lines (one per value type), so the order and grouping of EXDATE lines
never matter. Pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from icalendar import Event

from . import keep
from ..timezones import UTC, resolve_zone
from .from_ical import Parsed

_PROBE_NAME = "EXDATE"


def fold(parsed: Parsed, keep_stamps: frozenset[str] | set[str] = frozenset()) -> Parsed:
    """``parsed`` in the EXDATE form; cancelled overrides at ``keep_stamps`` stay overrides
    (the other side modified that instance: Google must delete that instance event)."""
    master = parsed.master
    recurrence = master.fields.get("recurrence") if master and not master.synthetic else None
    if not recurrence or not any(l.startswith(("RRULE", "RDATE")) for l in recurrence):
        return parsed
    values, overrides = [], {}
    for stamp, override in parsed.overrides.items():
        if override.fields.get("status") == "cancelled" and stamp not in keep_stamps:
            values.append(override.fields["originalStartTime"])
        else:
            overrides[stamp] = override
    lines = [l for l in recurrence if not l.startswith("EXDATE")]
    lines += _exdate_lines([l for l in recurrence if l.startswith("EXDATE")], values,
                           master.fields["start"])
    fields = {**master.fields, "recurrence": lines}
    return Parsed(parsed.uid, replace(master, fields=fields), overrides)


def _exdate_lines(lines: list[str], cancelled: list[dict], start: dict) -> list[str]:
    zone = resolve_zone(start.get("timeZone")) if "dateTime" in start else None
    values = set()
    for line in lines:
        holder = Event.from_ical(f"BEGIN:VEVENT\r\n{line}\r\nEND:VEVENT\r\n")
        props = holder.get(_PROBE_NAME)
        for prop in props if isinstance(props, list) else [props]:
            values.update(_in(d.dt, zone) for d in prop.dts)
    for edt in cancelled:
        if "date" in edt:
            values.add(dt.date.fromisoformat(edt["date"]))
        else:
            values.add(_in(dt.datetime.fromisoformat(edt["dateTime"]), zone))
    out = []
    for kind in (dt.datetime, dt.date):       # (a datetime is a date: datetimes first)
        group = sorted((v for v in values if isinstance(v, kind)
                        and (kind is dt.datetime or not isinstance(v, dt.datetime))), key=str)
        if group:
            probe = Event()
            probe.add(_PROBE_NAME, group)
            out.append(keep.line(_PROBE_NAME, probe[_PROBE_NAME]))
    return out


def _in(value, zone):
    if not isinstance(value, dt.datetime) or zone is None:
        return value
    aware = value.replace(tzinfo=zone) if value.tzinfo is None else value
    return aware.astimezone(UTC).astimezone(zone)


def live_stamps(parsed: Parsed) -> set[str]:
    """Stamps of overrides that are not cancelled (modified instances)."""
    return {k for k, c in parsed.overrides.items() if c.fields.get("status") != "cancelled"}

