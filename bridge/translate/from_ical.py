"""A client's iCalendar resource → the Google Event fields we map, plus what stays local.

``parse`` is the inverse of ``to_ical.render`` for everything Google can hold: parsing our own
rendering and parsing a client's unchanged copy of it give equal results, so the write path
can diff the two and send Google only what the client changed. Properties Google has no
field for (X-MOZ-LASTACK, CATEGORIES, Apple's alarm bookkeeping, alarms beyond Google's
limits ...) go into the *shadow*, kept locally and merged back when rendering.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from .colors import color_id_for_css_name
from .timezones import UTC, resolve_zone

MAX_OVERRIDES, MAX_MINUTES = 5, 40320          # Google's reminder limits
RECURRENCE = ("RRULE", "EXRULE", "RDATE", "EXDATE")
MAPPED = {"SUMMARY", "DESCRIPTION", "LOCATION", "DTSTART", "DTEND", "DURATION", "STATUS",
          "TRANSP", "CLASS", "ATTENDEE", "COLOR", *RECURRENCE}
# Values Google derives itself (or we derive from Google): never written, never shadowed.
DERIVED = {"UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "RECURRENCE-ID",
           "ORGANIZER", "CONFERENCE", "ATTACH"}
ALARM_MAPPED = {"ACTION", "TRIGGER", "DESCRIPTION", "SUMMARY", "ATTENDEE"}
PARTSTAT = {"NEEDS-ACTION": "needsAction", "ACCEPTED": "accepted", "DECLINED": "declined",
            "TENTATIVE": "tentative"}
VISIBILITY = {"PUBLIC": "public", "PRIVATE": "private", "CONFIDENTIAL": "confidential"}


class ICalError(ValueError):
    """The resource cannot be accepted; the message says why, for a person."""


class UnsupportedComponent(ICalError):
    """VTODO/VJOURNAL sent to a Google (events-only) calendar."""


@dataclass
class Shadow:
    """What one VEVENT carries that Google cannot hold."""
    props: list[str] = field(default_factory=list)                 # VEVENT content lines
    alarm_props: dict[str, list[str]] = field(default_factory=dict)  # TRIGGER → extra lines
    alarms: list[str] = field(default_factory=list)                # whole VALARM blocks

    def __bool__(self) -> bool:
        return bool(self.props or self.alarm_props or self.alarms)

    def to_json(self) -> dict:
        return {"props": self.props, "alarm_props": self.alarm_props, "alarms": self.alarms}

    @classmethod
    def from_json(cls, data: dict) -> "Shadow":
        return cls(list(data.get("props", [])), dict(data.get("alarm_props", {})),
                   list(data.get("alarms", [])))


@dataclass
class Component:
    fields: dict                        # Google Event fields
    shadow: Shadow


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


def parse(text: str, calendar_zone: str) -> Parsed:
    try:
        calendar = Calendar.from_ical(text)
    except ValueError as exc:
        raise ICalError(f"The iCalendar data could not be parsed: {exc}") from None
    names = {c.name for c in calendar.subcomponents} - {"VTIMEZONE"}
    if names & {"VTODO", "VJOURNAL", "VFREEBUSY"}:
        raise UnsupportedComponent(
            f"Google calendars hold events only; {', '.join(sorted(names - {'VEVENT'}))} "
            "cannot be stored here.")
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    if not events:
        raise ICalError("The resource holds no VEVENT.")
    uids = {str(e.get("UID", "")) for e in events}
    if len(uids) != 1 or not next(iter(uids)):
        raise ICalError("Every VEVENT of a resource must carry the same, non-empty UID.")
    zone = resolve_zone(calendar_zone) or UTC
    master, overrides = None, {}
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    if len(masters) > 1:
        raise ICalError("A resource may hold only one VEVENT without RECURRENCE-ID.")
    master_zone = zone
    if masters:
        master = _component(masters[0], zone, is_master=True)
        master_zone = _zone_of(masters[0]["DTSTART"], zone) if "DTSTART" in masters[0] else zone
    for event in events:
        if "RECURRENCE-ID" in event:
            key = instance_stamp(event["RECURRENCE-ID"], master_zone)
            if key in overrides:
                raise ICalError(f"Two VEVENTs share RECURRENCE-ID {key}.")
            component = _component(event, zone, is_master=False)
            component.fields["originalStartTime"] = _edt(event["RECURRENCE-ID"], master_zone)
            overrides[key] = component
    return Parsed(uid=next(iter(uids)), master=master, overrides=overrides)


def instance_stamp(prop, zone: dt.tzinfo) -> str:
    """Google's instance-id suffix for a RECURRENCE-ID: YYYYMMDD, or UTC YYYYMMDDTHHMMSSZ."""
    value = prop.dt
    if not isinstance(value, dt.datetime):
        return value.strftime("%Y%m%d")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _zone_of(prop, fallback: dt.tzinfo) -> dt.tzinfo:
    value = prop.dt
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return fallback
    name = _zone_name(prop)
    return ZoneInfo(name) if name and name != "UTC" else (UTC if name == "UTC" else fallback)


def _zone_name(prop) -> str | None:
    """The IANA name for a DATE-TIME's zone: its TZID (Windows names mapped), else UTC."""
    tzid = prop.params.get("TZID")
    if tzid:
        tzid = WINDOWS_TO_OLSON.get(tzid, tzid)
        if resolve_zone(tzid) is not None:
            return "UTC" if resolve_zone(tzid) is UTC else tzid
    value = prop.dt
    if isinstance(value, dt.datetime) and value.utcoffset() == dt.timedelta(0) and not tzid:
        return "UTC"
    return None


def _edt(prop, zone: dt.tzinfo) -> dict:
    """An EventDateTime: a date, or a dateTime with offset plus the IANA zone to expand in."""
    value = prop.dt
    if not isinstance(value, dt.datetime):
        return {"date": value.isoformat()}
    name = _zone_name(prop)
    if value.tzinfo is None:                 # floating: the calendar's zone
        value, name = value.replace(tzinfo=zone), _key(zone)
    elif name is None:                       # an unknown zone: keep the instant
        name = _key(zone)
    target = UTC if name == "UTC" else ZoneInfo(name)
    return {"dateTime": value.astimezone(target).isoformat(), "timeZone": name}


def _key(zone: dt.tzinfo) -> str:
    return "UTC" if zone is UTC else getattr(zone, "key", "UTC")


def _end(event, start: dict, zone: dt.tzinfo) -> dict:
    if "DTEND" in event:
        return _edt(event["DTEND"], zone)
    duration = event["DURATION"].dt if "DURATION" in event else None
    if "date" in start:
        days = duration.days if duration else 1
        return {"date": (dt.date.fromisoformat(start["date"])
                         + dt.timedelta(days=max(days, 1))).isoformat()}
    begin = dt.datetime.fromisoformat(start["dateTime"])
    return {"dateTime": (begin + (duration or dt.timedelta())).isoformat(),
            "timeZone": start["timeZone"]}


def _component(event, zone: dt.tzinfo, *, is_master: bool) -> Component:
    if "DTSTART" not in event:
        raise ICalError("A VEVENT needs a DTSTART.")
    shadow = Shadow()
    start = _edt(event["DTSTART"], zone)
    status = str(event.get("STATUS", "CONFIRMED")).upper()
    if status == "CANCELLED" and is_master:
        shadow.props.append("STATUS:CANCELLED")     # Google would delete the whole event
    fields = {
        "summary": str(event.get("SUMMARY", "")),
        "description": str(event.get("DESCRIPTION", "")),
        "location": str(event.get("LOCATION", "")),
        "start": start, "end": _end(event, start, zone),
        "status": {"TENTATIVE": "tentative", "CANCELLED": "cancelled"}.get(
            status, "confirmed") if not is_master or status != "CANCELLED" else "confirmed",
        "transparency": "transparent" if str(event.get("TRANSP", "")).upper() == "TRANSPARENT"
        else "opaque",
        "visibility": VISIBILITY.get(str(event.get("CLASS", "")).upper(), "default"),
        "attendees": _attendees(event),
        "colorId": _color(event),
        "reminders": _reminders(event, shadow),
    }
    if is_master:
        fields["recurrence"] = _recurrence(event)
    for name, value in event.property_items(recursive=False):
        if name in MAPPED or name in DERIVED or name.startswith("X-GOOGLE-") or name in (
                "BEGIN", "END"):
            continue
        if name == "STATUS":
            continue
        shadow.props.append(event.content_line(name, value).strip())
    return Component(fields, shadow)


def _recurrence(event) -> list[str]:
    lines = []
    for name in RECURRENCE:
        values = event.get(name)
        if values is None:
            continue
        for value in values if isinstance(values, list) else [values]:
            lines.append(event.content_line(name, value).strip())
    return lines


def _attendees(event) -> list[dict]:
    values = event.get("ATTENDEE")
    if values is None:
        return []
    out = {}
    for prop in values if isinstance(values, list) else [values]:
        address = str(prop)
        email = address[7:] if address.lower().startswith("mailto:") else address
        if not email:
            continue
        person = {"email": email.strip().lower(),
                  "responseStatus": PARTSTAT.get(str(prop.params.get("PARTSTAT", "")).upper(),
                                                 "needsAction")}
        if prop.params.get("CN"):
            person["displayName"] = str(prop.params["CN"])
        if str(prop.params.get("ROLE", "")).upper() == "OPT-PARTICIPANT":
            person["optional"] = True
        if str(prop.params.get("CUTYPE", "")).upper() == "RESOURCE":
            person["resource"] = True
        out[person["email"]] = person
    return [out[k] for k in sorted(out)]


def _color(event) -> str | None:
    if "COLOR" in event:
        return color_id_for_css_name(str(event["COLOR"]))
    value = str(event.get("X-GOOGLE-COLOR-ID", "")) or None
    return value if value and value.isdigit() else None


def _reminders(event, shadow: Shadow) -> dict:
    alarms = [c for c in event.subcomponents if c.name == "VALARM"]
    if alarms and all(str(a.get("X-GOOGLE-DEFAULT-REMINDER", "")).upper() == "TRUE"
                      for a in alarms):
        return {"useDefault": True}
    overrides = []
    for alarm in alarms:
        minutes = _minutes_before(alarm)
        if minutes is None or minutes > MAX_MINUTES or len(overrides) == MAX_OVERRIDES:
            shadow.alarms.append(alarm.to_ical().decode())
            continue
        method = str(alarm.get("X-GOOGLE-REMINDER-METHOD", "")).lower() or (
            "email" if str(alarm.get("ACTION", "")).upper() == "EMAIL" else "popup")
        overrides.append({"method": method, "minutes": minutes})
        extra = [alarm.content_line(n, v).strip()
                 for n, v in alarm.property_items(recursive=False)
                 if n not in ALARM_MAPPED and not n.startswith("X-GOOGLE-")
                 and n not in ("BEGIN", "END")]
        if extra:
            shadow.alarm_props[alarm["TRIGGER"].to_ical().decode()] = extra
    unique = sorted({(o["minutes"], o["method"]) for o in overrides})
    return {"useDefault": False,
            "overrides": [{"method": m, "minutes": n} for n, m in unique]}


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
