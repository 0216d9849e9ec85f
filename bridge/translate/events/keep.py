"""The *shadow* of one VEVENT: what a client sent that Google cannot hold, or that the
rendering would not show exactly as sent. Built by ``from_ical``, stored locally, merged back
into every rendering by ``shadow.apply``.

Two kinds of entries:

* kept outright: properties and components Google has no field for (CATEGORIES, X-MOZ-*, a
  client's own CONFERENCE, alarms beyond Google's limits ...);
* kept while Google agrees: a mapped property whose Google value renders differently from
  what was sent (a COLOR name, ATTENDEE parameters, SUMMARY;LANGUAGE=..., a VALARM's own
  wording). The rendering of the Google value is stored with it; once Google holds something
  else (the colour or a response changed on Google), Google's value shows instead.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from icalendar import Event

from . import properties as props
from ..colors import css_name_for_color_id

_PROBE = Event()


@dataclass
class Shadow:
    props: list[str] = field(default_factory=list)                  # VEVENT content lines
    alarms: list[str] = field(default_factory=list)   # whole components Google cannot hold
    replace: list[dict] = field(default_factory=list)  # {"if": rendered line, "line": sent line}
    alarm_blocks: dict[str, list[str]] = field(default_factory=dict)  # reminder key → VALARMs

    def __bool__(self) -> bool:
        return bool(self.props or self.alarms or self.replace or self.alarm_blocks)

    def to_json(self) -> dict:
        return {"props": self.props, "alarms": self.alarms, "replace": self.replace,
                "alarm_blocks": self.alarm_blocks}


def line(name: str, value) -> str:
    """One property as a content line (parameters sorted: a canonical form to compare;
    trailing blanks are part of the value)."""
    return str(_PROBE.content_line(name, value)).rstrip("\r\n")


def signature(component) -> Counter:
    """A component's properties as (name, parameters, value): equal when nothing differs
    but formatting."""
    out = Counter()
    for name, value in component.property_items(recursive=False):
        if name in ("BEGIN", "END"):
            continue
        text = value.to_ical() if hasattr(value, "to_ical") else str(value)
        params = tuple(sorted((k.upper(), str(v)) for k, v in value.params.items())) \
            if hasattr(value, "params") else ()
        out[(name, params, text.decode() if isinstance(text, bytes) else text)] += 1
    return out


def _keep_as_sent(shadow: Shadow, name: str, sent, rendered) -> None:
    if line(name, sent) != line(name, rendered):
        shadow.replace.append({"if": line(name, rendered), "line": line(name, sent)})


def mapped(event, fields: dict, shadow: Shadow) -> None:
    """Entries for mapped properties whose rendering from ``fields`` differs from the sent
    property: text parameters (LANGUAGE, ALTREP), a COLOR name, ATTENDEE parameters."""
    for name in ("SUMMARY", "DESCRIPTION", "LOCATION"):
        sent = event.get(name)
        value = props.clean_text(str(sent)) if sent is not None else ""
        if value and not isinstance(sent, list) and sent.params:   # (empty: not rendered)
            _keep_as_sent(shadow, name, sent, props.Text(value))
    color = event.get("COLOR")
    if color is not None and not isinstance(color, list):
        if fields.get("colorId"):
            canonical = props.Text(css_name_for_color_id(fields["colorId"]))
            _keep_as_sent(shadow, "COLOR", color, canonical)
        else:                                   # not a colour Google has: keep it outright
            shadow.props.append(line("COLOR", color))
    people = {p["email"]: p for p in fields.get("attendees") or []}
    attendees = event.get("ATTENDEE", [])
    for sent in attendees if isinstance(attendees, list) else [attendees]:
        person = people.get(attendee_email(sent))
        rendered = props.attendee_address(person) if person else None
        if rendered is not None:
            _keep_as_sent(shadow, "ATTENDEE", sent, rendered)
    # Independent entries: a canonical order, whatever order the client wrote them in.
    shadow.replace.sort(key=lambda entry: (entry["if"], entry["line"]))


def attendee_email(prop) -> str:
    address = str(prop)
    return (address[7:] if address.lower().startswith("mailto:") else address).strip().lower()


def alarm_key(method: str, minutes: int) -> str:
    return f"{method}:{minutes}"


def rendered_key(alarm) -> str | None:
    """The reminder a rendered VALARM stands for (see properties.alarms)."""
    trigger = alarm.get("TRIGGER")
    if trigger is None or not isinstance(trigger.dt, dt.timedelta):
        return None
    method = str(alarm.get("X-GOOGLE-REMINDER-METHOD", "")).lower() or "popup"
    return alarm_key(method, int(-trigger.dt.total_seconds() // 60))


def alarms(sent: dict[str, list], summary: str, default: bool, shadow: Shadow) -> None:
    """Client VALARMs per Google reminder key: kept as sent when there are several for one
    reminder, or when the one differs from what the rendering would show."""
    for key, blocks in sent.items():
        method, minutes = key.split(":")
        reminder = {"method": method, "minutes": int(minutes)}
        expected = props.alarms({"reminders": {"useDefault": default, "overrides": [reminder]}},
                                (reminder,), summary)[0]
        if len(blocks) > 1 or signature(blocks[0]) != signature(expected):
            shadow.alarm_blocks[key] = [b.to_ical().decode("utf-8") for b in blocks]
