"""Google Calendar API v3 events sharing one iCalUID → one CalDAV resource (a VCALENDAR).

Pure and deterministic: the output depends only on the events and the calendar context
(never on the clock, dict key order, event order, or Google's ``etag`` fields).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from icalendar import Calendar, Event

from ...model import END_OF_TIME, Rendered

from . import properties as props
from .recurrence import Recurrence, parse_recurrence, series_span
from ..timezones import (UTC, effective_zone, event_time, instant, is_all_day, to_date, to_zone,
                        utc_timestamp, vtimezone)


PRODID = "-//gcaldav//Google Calendar bridge//EN"
#: VTIMEZONEs of open-ended series cover at least up to 1 January of this year.
OPEN_ENDED_TZ_HORIZON = 2038


@dataclass(frozen=True)
class CalendarContext:
    time_zone: str                     # the Google calendar's zone (IANA)
    default_reminders: tuple = ()      # calendar defaultReminders: ({"method": "popup", "minutes": 10}, ...)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _times(ev: dict, ctx: CalendarContext):
    """(DTSTART, DTEND) values: dates, or aware datetimes in the event's zones."""
    start_edt = ev.get("start") if isinstance(ev.get("start"), dict) else {}
    end_edt = ev.get("end") if isinstance(ev.get("end"), dict) else {}
    start = event_time(start_edt, ctx.time_zone)
    if start is None:
        return None, None
    if is_all_day(start):
        end = event_time(end_edt, ctx.time_zone)
        end = to_date(end, effective_zone(ctx.time_zone)) if end is not None else None
        if end is None or end <= start:     # one day; none after 9999-12-31 (no DTEND then)
            end = start if start == date.max else date.fromordinal(start.toordinal() + 1)
        return start, end
    end = event_time(end_edt, start_edt.get("timeZone"), ctx.time_zone)
    if end is None or is_all_day(end) or end < start:
        end = start
    return start, end


def _pick(candidates: list[dict], *extra) -> dict | None:
    """A deterministic choice among events that claim the same slot."""
    if not candidates:
        return None
    return max(candidates, key=lambda e: (*(f(e) for f in extra), _text(e.get("updated")),
                                          e.get("status") != "cancelled", _text(e.get("id"))))


def _recurrence_id(ev: dict, master_start, ctx: CalendarContext):
    """The instance's originalStartTime in the master DTSTART's value type and zone."""
    own_zone = (ev.get("start") or {}).get("timeZone") if isinstance(ev.get("start"), dict) else None
    value = event_time(ev.get("originalStartTime"), own_zone, ctx.time_zone)
    if value is None or master_start is None:
        return value
    if is_all_day(master_start):
        return to_date(value, effective_zone(ctx.time_zone))
    return to_zone(value, master_start.tzinfo, template=master_start)


def _key(value, zone) -> tuple:
    return (instant(value, zone), is_all_day(value))


def _vevent(ev: dict, uid: str, ctx: CalendarContext, start, end, stamp) -> Event:
    vevent = Event()
    vevent.add("UID", props.Text(uid))
    vevent.add("DTSTART", start)
    if end != start or not is_all_day(start):   # an all-day DTSTART alone lasts one day
        vevent.add("DTEND", end)
    props.add_basics(vevent, ev, stamp)
    props.add_people(vevent, ev)
    props.add_conference(vevent, ev)
    props.add_attachments(vevent, ev)
    for alarm in props.alarms(ev, ctx.default_reminders, _text(ev.get("summary"))):
        vevent.add_component(alarm)
    return vevent


def render(events: list[dict], ctx: CalendarContext) -> Rendered | None:
    """Fold a master, its exceptions and cancelled instances (or a single event) into one
    VCALENDAR.  Returns None when nothing is left to show."""
    events = [e for e in events or () if isinstance(e, dict)]
    cal_zone = effective_zone(ctx.time_zone)

    master = _pick([e for e in events if not e.get("recurringEventId")
                    and e.get("status") != "cancelled"],
                   lambda e: bool(e.get("recurrence")))
    m_start, m_end = _times(master, ctx) if master else (None, None)
    if m_start is None:
        master = None

    slots: dict[tuple, list] = {}
    for ev in events:
        if not ev.get("recurringEventId") or not ev.get("originalStartTime"):
            continue
        rid = _recurrence_id(ev, m_start, ctx)
        if rid is not None:
            slots.setdefault(_key(rid, cal_zone), []).append((ev, rid))
    modified, cancelled = [], []
    for key in sorted(slots):
        ev = _pick([e for e, _ in slots[key]])
        rid = next(r for e, r in slots[key] if e is ev)
        (cancelled if ev.get("status") == "cancelled" else modified).append((ev, rid))

    candidates = [(master or {}).get("iCalUID")]
    candidates += sorted(_text(e.get("iCalUID")) for e in events)
    candidates += sorted(_text(e.get("id")) for e in events)
    uid = next((u for u in map(props.clean_param, candidates) if u), "")

    stamp = utc_timestamp((master or {}).get("updated"))
    vevents, moments, spans = [], [], []
    recurrence = Recurrence()
    open_ended = False
    if master:
        vevent = _vevent(master, uid, ctx, m_start, m_end, stamp)
        recurrence = parse_recurrence(master.get("recurrence"))
        for name, value in recurrence.properties:
            vevent.add(name, value)
        moments += [m_start, m_end, *recurrence.dates("RDATE"), *recurrence.dates("EXDATE")]
        exdates = []
        if recurrence.is_recurring:
            known = {_key(v, cal_zone) for v in recurrence.dates("EXDATE")}
            exdates = [rid for _, rid in cancelled if _key(rid, cal_zone) not in known]
            if exdates:
                vevent.add("EXDATE", exdates)
                moments += exdates
        first, last = series_span(m_start, m_end, recurrence, exdates, cal_zone)
        open_ended = last is None
        spans.append((first, END_OF_TIME if last is None else last))
        vevents.append(vevent)

    if master is None and modified:
        modified = _synthetic_master(modified, uid, ctx, stamp, vevents, moments)

    for ev, rid in modified:
        start, end = _times(ev, ctx)
        if start is None:
            continue
        vevent = _vevent(ev, uid, ctx, start, end, stamp)
        vevent.add("RECURRENCE-ID", rid)
        moments += [start, end, rid]
        spans.append((instant(start, cal_zone), instant(end, cal_zone)))
        vevents.append(vevent)

    if not vevents:
        return None

    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    start_ts = min(s for s, _ in spans)
    end_ts = min(max(e for _, e in spans), END_OF_TIME)
    for component in _timezones(vevents, moments, end_ts, open_ended):
        calendar.add_component(component)
    for vevent in vevents:
        calendar.add_component(vevent)

    text = calendar.to_ical().decode("utf-8")
    return Rendered(uid=uid, text=text,
                    etag='"%s"' % hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    start=start_ts, end=end_ts,
                    recurring=bool(master and recurrence.is_recurring)
                    or any("RECURRENCE-ID" in vevent for vevent in vevents))


def _synthetic_master(modified: list, uid: str, ctx: CalendarContext, stamp, vevents: list,
                      moments: list) -> list:
    """An invitation to single instances of someone else's series: Google has no master here.
    RFC 5545 allows overrides alone, but Radicale refuses to store two or more of them, so a
    stand-in master marked ``X-GOOGLE-SYNTHETIC-MASTER`` carries the first instance's data at
    its original start, with RDATEs for the others; every occurrence of it is overridden, so
    clients show exactly the instances. The write path never sends it to Google. Returns the
    overrides with their RECURRENCE-IDs in the stand-in's zone."""
    base_ev, base_rid = modified[0]
    if not is_all_day(base_rid):
        modified = [(ev, to_zone(rid, base_rid.tzinfo) if not is_all_day(rid) else rid)
                    for ev, rid in modified]
    start, end = _times(base_ev, ctx)
    if start is None:
        return modified
    vevent = _vevent(base_ev, uid, ctx, base_rid, base_rid + (end - start), stamp)
    others = [rid for _, rid in modified[1:] if is_all_day(rid) == is_all_day(base_rid)]
    if others:
        vevent.add("RDATE", others)
    vevent.add(props.SYNTHETIC, "TRUE")
    moments += [base_rid, *others]
    vevents.append(vevent)
    return modified


def _timezones(vevents: list[Event], moments: list, end_ts: int, open_ended: bool) -> list:
    """One VTIMEZONE per TZID used, covering the years the data spans (never "now")."""
    probe = Calendar()
    for vevent in vevents:
        probe.add_component(vevent)
    tzids = sorted(probe.get_used_tzids() - {"UTC"})
    if not tzids:
        return []
    years = [m.year for m in moments if isinstance(m, date)]
    first_year = min(years)
    last_year = max(years) + 1
    if open_ended:
        last_year = max(last_year, OPEN_ENDED_TZ_HORIZON)
    elif end_ts < END_OF_TIME:
        last_year = max(last_year, datetime.fromtimestamp(end_ts, UTC).year + 1)
    out = []
    for tzid in tzids:
        component = vtimezone(tzid, first_year, last_year)
        if component is not None:
            out.append(component)
    return out
