"""A client's iCalendar resource → the Google Event fields we map, plus what stays local.

``parse`` is the inverse of ``to_ical.render`` for everything Google can hold: parsing our own
rendering and parsing a client's unchanged copy of it give equal results, so the write path
can diff the two and send Google only what the client changed. What Google has no field for
(X-MOZ-LASTACK, CATEGORIES, Apple's alarm bookkeeping, alarms beyond Google's limits ...) and
what the rendering would show differently (a COLOR name, ATTENDEE parameters) goes into the
*shadow* (see ``keep``), kept locally and merged back when rendering. docs/mapping.md lists
every property.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import x_wr_timezone
from icalendar import Calendar, Event, Timezone
from icalendar.prop import vDDDTypes, vRecur

from . import checks, keep
from ..colors import color_id_for_css_name
from .keep import Shadow
from .properties import DERIVED as DERIVED_PARAM
from .properties import SYNTHETIC
from ..timezones import UTC, iana_name, resolve_zone, zone_key

__all__ = ["ICalError", "UnsupportedComponent", "Shadow", "Component", "Parsed", "parse",
           "instance_stamp"]

MAX_OVERRIDES, MAX_MINUTES = 5, 40320          # Google's reminder limits
RECURRENCE = ("RRULE", "EXRULE", "RDATE", "EXDATE")
MAPPED = {"SUMMARY", "DESCRIPTION", "LOCATION", "DTSTART", "DTEND", "DURATION", "STATUS",
          "TRANSP", "CLASS", "ATTENDEE", "COLOR", *RECURRENCE}
# Values Google derives itself (or we derive from Google): never written, never shadowed.
DERIVED = {"UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "RECURRENCE-ID",
           "ORGANIZER"}
PARTSTAT = {"NEEDS-ACTION": "needsAction", "ACCEPTED": "accepted", "DECLINED": "declined",
            "TENTATIVE": "tentative"}
VISIBILITY = {"PUBLIC": "public", "PRIVATE": "private", "CONFIDENTIAL": "confidential"}


class ICalError(ValueError):
    """The resource cannot be accepted; the message says why, for a person."""


class UnsupportedComponent(ICalError):
    """VTODO/VJOURNAL sent to a Google (events-only) calendar."""


@dataclass
class Component:
    fields: dict                        # Google Event fields
    shadow: Shadow
    event_type: str = "default"         # X-GOOGLE-EVENT-TYPE as rendered (never written)
    synthetic: bool = False             # a master the bridge made up (no Google event)


@dataclass
class Parsed:
    uid: str
    master: Component | None
    overrides: dict[str, Component]     # instance stamp (Google id suffix) → override

    def shadows(self) -> dict[str, dict]:
        """Per component key ("" = master, else the instance stamp), for storage."""
        out = {"": self.master.shadow.to_json()} if self.master and self.master.shadow else {}
        out.update((k, c.shadow.to_json()) for k, c in self.overrides.items() if c.shadow)
        return out


class _Reader:
    """Date-times of one resource: zones resolved against its VTIMEZONEs, floating values
    in the calendar's zone."""

    def __init__(self, calendar, calendar_zone: str):
        self.zone = resolve_zone(calendar_zone) or UTC
        self.zone_name = zone_key(self.zone)
        self.vtimezones = {str(tz.get("TZID")): tz.to_ical() for tz in calendar.walk("VTIMEZONE")}
        self._own: dict[str, dt.tzinfo | None] = {}
        self.defaults: tuple | None = None        # the calendar's default reminders

    def local(self, value, tzid) -> dt.date:
        """``value`` in this resource's own definition of a custom zone: icalendar keeps the
        first definition of a TZID it meets process-wide, and two clients' "Customized Time
        Zone"s differ."""
        if not isinstance(value, dt.datetime) or value.tzinfo is None or not tzid:
            return value
        key = getattr(value.tzinfo, "key", None)
        if key and resolve_zone(key) is not None or str(tzid) not in self.vtimezones:
            return value
        if str(tzid) not in self._own:
            try:
                self._own[str(tzid)] = Timezone.from_ical(
                    self.vtimezones[str(tzid)]).to_tz(lookup_tzid=False)
            except Exception:       # a malformed VTIMEZONE: icalendar's reading stands
                self._own[str(tzid)] = None
        own = self._own[str(tzid)]
        return value.replace(tzinfo=own) if own is not None else value

    def value(self, prop) -> dt.date:
        return self.local(prop.dt, prop.params.get("TZID"))

    def name(self, prop) -> str | None:
        return iana_name(prop.params.get("TZID"), self.value(prop), self.zone_name,
                         self.vtimezones)

    def zone_of(self, prop) -> dt.tzinfo:
        """The zone a DATE-TIME's series expands in (the calendar's for dates and floating)."""
        name = self.name(prop) if isinstance(prop.dt, dt.datetime) else None
        return resolve_zone(name) or self.zone

    def edt(self, prop, zone: dt.tzinfo | None = None) -> dict:
        """An EventDateTime: a date, or a dateTime with offset plus the IANA zone to expand
        in. Floating values are local to ``zone`` (default: the calendar's); values in a zone
        nothing matches keep their instant and take the calendar's zone."""
        value = self.value(prop)
        if not isinstance(value, dt.datetime):
            return {"date": value.isoformat()}
        name = self.name(prop)
        if value.tzinfo is None:
            target = resolve_zone(name) or zone or self.zone
            value, name = value.replace(tzinfo=target), zone_key(target)
        elif name is None:
            name = self.zone_name
        # Through UTC: a wall time the DST gap skips becomes the real one (02:30 → 03:30),
        # as it reads back from Google - or an unchanged PUT would look like a move.
        value = value.astimezone(UTC).astimezone(resolve_zone(name))
        return {"dateTime": value.isoformat(), "timeZone": name}


def parse(text: str, calendar_zone: str, default_reminders: tuple | None = None) -> Parsed:
    """The resource's Google fields and shadow. ``default_reminders``: the calendar's (alarms
    marked as defaults stand for them only while they still are them)."""
    try:
        calendar = Calendar.from_ical(text)
    except ValueError as exc:
        raise ICalError(f"The iCalendar data could not be parsed: {exc}") from None
    names = {c.name for c in calendar.subcomponents} - {"VTIMEZONE"}
    if names & {"VTODO", "VJOURNAL", "VFREEBUSY"}:
        raise UnsupportedComponent(
            f"Google calendars hold events only; {', '.join(sorted(names - {'VEVENT'}))} "
            "cannot be stored here.")
    try:        # exports with X-WR-TIMEZONE mean their UTC and floating times in that zone
        calendar = x_wr_timezone.to_standard(calendar)
    except (ValueError, KeyError, TypeError):
        pass
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    if not events:
        raise ICalError("The resource holds no VEVENT.")
    uids = {str(e.get("UID", "")) for e in events}
    if len(uids) != 1 or not next(iter(uids)):
        raise ICalError("Every VEVENT of a resource must carry the same, non-empty UID.")
    reader = _Reader(calendar, calendar_zone)
    reader.defaults = default_reminders
    master, overrides = None, {}
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    if len(masters) > 1:
        raise ICalError("A resource may hold only one VEVENT without RECURRENCE-ID.")
    master_zone = reader.zone
    if masters:
        master = _component(masters[0], reader, is_master=True)
        master_zone = reader.zone_of(masters[0]["DTSTART"])
    for event in events:
        if "RECURRENCE-ID" in event:
            try:
                checks.override(event, masters[0] if masters else None)
            except checks.CheckError as exc:
                raise ICalError(str(exc)) from None
            rid = _in_series_type(event["RECURRENCE-ID"], masters[0] if masters else None,
                                  reader, master_zone)
            key = instance_stamp(rid, master_zone)
            if key in overrides:
                raise ICalError(f"Two overrides have the same RECURRENCE-ID ({key}); an "
                                "occurrence can be overridden once.")
            component = _component(event, reader, is_master=False)
            component.fields["originalStartTime"] = reader.edt(rid, master_zone)
            overrides[key] = component
    return Parsed(uid=next(iter(uids)), master=master, overrides=overrides)


def _in_series_type(rid, master, reader: _Reader, zone: dt.tzinfo):
    """A RECURRENCE-ID in the value type of the series' DTSTART, as Google's instance ids
    are (Exchange writes a DATE for a timed series, or the other way round)."""
    if master is None or "DTSTART" not in master:
        return rid
    start = reader.value(master["DTSTART"])
    value = reader.value(rid)
    timed = isinstance(start, dt.datetime)
    if isinstance(value, dt.datetime) == timed:
        return rid
    if timed:       # the series' time of day on that date, in the series' zone
        moment = dt.datetime.combine(value, start.time()).replace(tzinfo=start.tzinfo)
        return _prop(moment, master["DTSTART"].params.get("TZID"))
    if value.tzinfo is not None:
        value = value.astimezone(zone)
    return _prop(value.date(), None)


def _prop(value, tzid):
    prop = vDDDTypes(value)
    if tzid:
        prop.params["TZID"] = tzid
    return prop


def instance_stamp(prop, zone: dt.tzinfo) -> str:
    """Google's instance-id suffix for a RECURRENCE-ID: YYYYMMDD, or UTC YYYYMMDDTHHMMSSZ."""
    value = prop.dt
    if not isinstance(value, dt.datetime):
        return value.strftime("%Y%m%d")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _end(event, start: dict, reader: _Reader) -> dict:
    if "DTEND" in event:
        return reader.edt(event["DTEND"])
    duration = event["DURATION"].dt if "DURATION" in event else None
    if "date" in start:
        days = duration.days if duration else 1
        first = dt.date.fromisoformat(start["date"])
        # Google keeps end = start for a day with no day after it (9999-12-31).
        last = dt.date.fromordinal(min(first.toordinal() + max(days, 1),
                                       dt.date.max.toordinal()))
        return {"date": last.isoformat()}
    # Exact time after the start, written in the start's zone: a naive sum could name a wall
    # time in a DST gap, which Google would then shift and every later PUT re-patch.
    begin = dt.datetime.fromisoformat(start["dateTime"])
    end = (begin + (duration or dt.timedelta())).astimezone(UTC)
    zone = resolve_zone(start.get("timeZone")) or begin.tzinfo
    return {"dateTime": end.astimezone(zone).isoformat(), "timeZone": start["timeZone"]}


def _checked_end(event, start: dict, reader: _Reader) -> dict:
    try:
        return checks.end(event, start, _end(event, start, reader))
    except checks.CheckError as exc:
        raise ICalError(str(exc)) from None


def _component(event, reader: _Reader, *, is_master: bool) -> Component:
    if "DTSTART" not in event:
        raise ICalError("A VEVENT needs a DTSTART.")
    shadow = Shadow()
    start = reader.edt(event["DTSTART"])
    status = str(event.get("STATUS", "CONFIRMED")).upper()
    if status == "CANCELLED" and is_master:
        shadow.props.append("STATUS:CANCELLED")     # Google would delete the whole event
    fields = {
        "summary": str(event.get("SUMMARY", "")),
        "description": str(event.get("DESCRIPTION", "")),
        "location": str(event.get("LOCATION", "")),
        "start": start, "end": _checked_end(event, start, reader),
        "status": {"TENTATIVE": "tentative", "CANCELLED": "cancelled"}.get(
            status, "confirmed") if not is_master or status != "CANCELLED" else "confirmed",
        "transparency": "transparent" if str(event.get("TRANSP", "")).upper() == "TRANSPARENT"
        else "opaque",
        "visibility": VISIBILITY.get(str(event.get("CLASS", "")).upper(), "default"),
        "attendees": _attendees(event),
        "colorId": _color(event),
    }
    fields["reminders"] = _reminders(event, fields["summary"], shadow, reader.defaults)
    if is_master:
        fields["recurrence"] = _recurrence(event, reader)
    keep.mapped(event, fields, shadow)
    for name, value in event.property_items(recursive=False):
        if name in MAPPED or name in DERIVED or name.startswith("X-GOOGLE-") or name in (
                "BEGIN", "END") or DERIVED_PARAM in getattr(value, "params", {}):
            continue        # ... and CONFERENCE/ATTACH we rendered from Google's data
        shadow.props.append(keep.line(name, value))
    shadow.alarms += [c.to_ical().decode("utf-8") for c in event.subcomponents
                      if c.name != "VALARM"]
    return Component(fields, shadow, event_type=str(event.get("X-GOOGLE-EVENT-TYPE", "default")),
                     synthetic=is_master and str(event.get(SYNTHETIC, "")).upper() == "TRUE")


def _recurrence(event, reader: _Reader) -> list[str]:
    """RRULE/EXRULE/RDATE/EXDATE lines as Google should hold them: RDATE and EXDATE date-times
    in the series' own zone (a Windows or custom TZID, or a floating value, would mean nothing
    to Google or expand elsewhere), UNTIL in UTC when the series is timed."""
    start = event["DTSTART"].dt
    zone = reader.zone_of(event["DTSTART"]) if isinstance(start, dt.datetime) else None
    lines = []
    for name in RECURRENCE:
        values = event.get(name)
        for value in values if isinstance(values, list) else [] if values is None else [values]:
            probe = Event()
            if name in ("RRULE", "EXRULE"):
                rule = vRecur(dict(value))
                try:
                    checks.rule(name, rule)
                except (checks.CheckError, ValueError) as exc:
                    raise ICalError(str(exc) if isinstance(exc, checks.CheckError)
                                    else f"{name} cannot be read: {exc}") from None
                if zone is not None and rule.get("UNTIL"):
                    rule["UNTIL"] = [_in_zone(u, zone).astimezone(UTC)
                                     if isinstance(u, dt.datetime) else u for u in rule["UNTIL"]]
                probe.add(name, rule)
            else:
                items = [reader.local(d.dt, value.params.get("TZID")) for d in value.dts]
                if zone is not None:
                    items = [_in_zone(v, zone) if isinstance(v, dt.datetime) else v
                             for v in items]
                probe.add(name, items)
            lines.append(keep.line(name, probe[name]))
    return lines


def _in_zone(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    aware = value.replace(tzinfo=zone) if value.tzinfo is None else value
    return aware.astimezone(UTC).astimezone(zone)            # (DST gaps: see _Reader.edt)


def _attendees(event) -> list[dict]:
    values = event.get("ATTENDEE")
    if values is None:
        return []
    out = {}
    for prop in values if isinstance(values, list) else [values]:
        email = keep.attendee_email(prop)
        if not email:
            continue
        person = {"email": email,
                  "responseStatus": PARTSTAT.get(str(prop.params.get("PARTSTAT", "")).upper(),
                                                 "needsAction")}
        if prop.params.get("CN"):
            person["displayName"] = str(prop.params["CN"])
        if str(prop.params.get("ROLE", "")).upper() == "OPT-PARTICIPANT":
            person["optional"] = True
        if str(prop.params.get("CUTYPE", "")).upper() == "RESOURCE":
            person["resource"] = True
        guests = str(prop.params.get("X-NUM-GUESTS", ""))
        if guests.isdigit() and int(guests) > 0:
            person["additionalGuests"] = int(guests)
        if prop.params.get("X-RESPONSE-COMMENT"):
            person["comment"] = str(prop.params["X-RESPONSE-COMMENT"])
        out[person["email"]] = person
    return [out[k] for k in sorted(out)]


def _color(event) -> str | None:
    if "COLOR" in event:
        return color_id_for_css_name(str(event["COLOR"]))
    value = str(event.get("X-GOOGLE-COLOR-ID", "")) or None
    return value if value and value.isdigit() else None


def _reminders(event, summary: str, shadow: Shadow, defaults: tuple | None) -> dict:
    """Google reminders from the VALARMs: relative to the start, whole minutes, at most four
    weeks, the first five (document order). The rest are kept whole in the shadow. Alarms
    marked as the calendar's defaults are "use the defaults" while they still are them (a
    client may keep the marker and change the time)."""
    alarms = [c for c in event.subcomponents if c.name == "VALARM"]
    default = bool(alarms) and all(
        str(a.get("X-GOOGLE-DEFAULT-REMINDER", "")).upper() == "TRUE" for a in alarms)
    if default and defaults is not None:
        default = {_alarm_key(a) for a in alarms} == {
            keep.alarm_key(d.get("method", "popup"), d.get("minutes")) for d in defaults}
    held: dict[str, list] = {}
    for alarm in alarms:
        minutes = _minutes_before(alarm)
        method = str(alarm.get("X-GOOGLE-REMINDER-METHOD", "")).lower() or (
            "email" if str(alarm.get("ACTION", "")).upper() == "EMAIL" else "popup")
        key = keep.alarm_key(method, minutes) if minutes is not None else None
        if key is None or minutes > MAX_MINUTES or (
                key not in held and len(held) == MAX_OVERRIDES and not default):
            shadow.alarms.append(alarm.to_ical().decode("utf-8"))
            continue
        held.setdefault(key, []).append(alarm)
    keep.alarms(held, summary, default, shadow)
    if default:
        return {"useDefault": True}
    unique = sorted((int(k.split(":")[1]), k.split(":")[0]) for k in held)
    return {"useDefault": False,
            "overrides": [{"method": m, "minutes": n} for n, m in unique]}


def _alarm_key(alarm) -> str | None:
    minutes = _minutes_before(alarm)
    method = str(alarm.get("X-GOOGLE-REMINDER-METHOD", "")).lower() or (
        "email" if str(alarm.get("ACTION", "")).upper() == "EMAIL" else "popup")
    return keep.alarm_key(method, minutes) if minutes is not None else None


def _minutes_before(alarm) -> int | None:
    """Minutes before the start for a relative TRIGGER Google can hold, else None."""
    trigger = alarm.get("TRIGGER")
    if trigger is None or str(trigger.params.get("RELATED", "START")).upper() != "START":
        return None
    value = trigger.dt
    if not isinstance(value, dt.timedelta) or value > dt.timedelta(0):
        return None
    seconds = -value.total_seconds()
    return int(seconds // 60) if seconds % 60 == 0 else None
