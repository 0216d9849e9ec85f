"""Merging locally kept properties (the *shadow*, see from_ical) back into a rendering."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from icalendar import Calendar, Component

from .from_ical import instance_stamp
from .timezones import UTC, resolve_zone
from .to_ical import Rendered


def apply(rendered: Rendered, shadows: dict[str, dict] | None, calendar_zone: str) -> Rendered:
    """``rendered`` with each VEVENT's shadow ("" = master, else instance stamp) added."""
    if not shadows:
        return rendered
    calendar = Calendar.from_ical(rendered.text)
    zone = resolve_zone(calendar_zone) or UTC
    master_zone = zone
    for event in calendar.walk("VEVENT"):
        if "RECURRENCE-ID" not in event and "DTSTART" in event:
            tzinfo = getattr(event["DTSTART"].dt, "tzinfo", None)
            master_zone = tzinfo or zone
    for event in calendar.walk("VEVENT"):
        key = (instance_stamp(event["RECURRENCE-ID"], master_zone)
               if "RECURRENCE-ID" in event else "")
        shadow = shadows.get(key)
        if shadow:
            _merge(event, shadow)
    text = calendar.to_ical().decode("utf-8")
    return replace(rendered, text=text,
                   etag='"%s"' % hashlib.sha256(text.encode("utf-8")).hexdigest())


def _merge(event: Component, shadow: dict) -> None:
    for name, value in _properties(shadow.get("props", [])):
        event.add(name, value, encode=False)
    by_trigger = shadow.get("alarm_props", {})
    for alarm in event.walk("VALARM"):
        extra = by_trigger.get(alarm["TRIGGER"].to_ical().decode()) if "TRIGGER" in alarm else None
        for name, value in _properties(extra or []):
            alarm.add(name, value, encode=False)
    for block in shadow.get("alarms", []):
        event.add_component(Component.from_ical(block))


def _properties(lines: list[str]):
    """Parsed (name, value) pairs of stored content lines, params and all."""
    if not lines:
        return []
    holder = Component.from_ical("BEGIN:X-SHADOW\r\n" + "\r\n".join(lines)
                                 + "\r\nEND:X-SHADOW\r\n")
    return list(holder.property_items(recursive=False))[1:-1]
