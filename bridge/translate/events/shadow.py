"""Merging locally kept properties (the *shadow*, see ``keep``) back into a rendering."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from icalendar import Calendar, Component

from . import keep
from .from_ical import instance_stamp
from ..timezones import UTC, resolve_zone
from ...model import Rendered


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
    for entry in shadow.get("replace", []):
        _replace(event, entry["if"], entry["line"])
    for name, value in _properties(shadow.get("props", [])):
        event.add(name, value, encode=False)
    _alarm_blocks(event, shadow.get("alarm_blocks", {}))
    for block in shadow.get("alarms", []):
        event.add_component(Component.from_ical(block))


def _replace(event: Component, rendered_line: str, sent_line: str) -> None:
    """Show the client's property instead of the rendered one while they stand for the same
    Google value (the rendering still equals what it was when the client wrote)."""
    [(name, sent)] = _properties([sent_line])
    [(_, want)] = _properties([rendered_line])
    values = event.get(name)
    if values is None:
        return
    many = isinstance(values, list)
    for index, value in enumerate(values if many else [values]):
        if keep.line(name, value) == keep.line(name, want):
            if many:
                values[index] = sent
            else:
                event[name] = sent
            return


def _alarm_blocks(event: Component, blocks: dict[str, list[str]]) -> None:
    """The client's own VALARMs in place of the rendered one for the same Google reminder."""
    if not blocks:
        return
    out, used = [], set()
    for component in event.subcomponents:
        key = keep.rendered_key(component) if component.name == "VALARM" else None
        if key in blocks and key not in used:
            used.add(key)
            out += [Component.from_ical(block) for block in blocks[key]]
        else:
            out.append(component)
    event.subcomponents[:] = out


def _properties(lines: list[str]):
    """Parsed (name, value) pairs of stored content lines, params and all."""
    if not lines:
        return []
    holder = Component.from_ical("BEGIN:X-SHADOW\r\n" + "\r\n".join(lines)
                                 + "\r\nEND:X-SHADOW\r\n")
    return list(holder.property_items(recursive=False))[1:-1]
