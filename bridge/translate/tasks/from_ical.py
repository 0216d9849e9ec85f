"""A client's VTODO → the fields of a Google task, plus everything Google cannot hold.

Google keeps a title, notes, a due *date*, needsAction/completed with a completion time and
a parent. A time of day on DUE, other statuses, and every other property or component are
returned unchanged by the rendering (see ``keep``), so they are collected here as sent.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from icalendar import vText

from ..events.from_ical import ICalError, UnsupportedComponent
from .lines import MAPPED, OWNED, UTC, Block, LineError, name_of, parse_blocks, parts

# Calendar-level lines every resource has; the rendering writes its own.
_CALENDAR_OWN = {"VERSION", "PRODID", "CALSCALE", "METHOD"}
MAX_TITLE, MAX_NOTES = 1024, 8192       # Google's limits


@dataclass
class ParsedTask:
    uid: str
    fields: dict                        # Google task fields: title, notes, due, status, completed
    parent_uid: str | None              # RELATED-TO;RELTYPE=PARENT
    sent: dict[str, str | None]         # mapped property -> the line as sent (None: absent)
    props: list[str] = field(default_factory=list)          # unmapped VTODO lines
    components: list[list[str]] = field(default_factory=list)   # VALARM ... as sent
    calendar: list[list[str]] = field(default_factory=list)     # VTIMEZONE, overrides


def parse(text: str) -> ParsedTask:
    """Raises ``ICalError`` (``UnsupportedComponent`` for events and journals)."""
    try:
        root = parse_blocks(text)
        master, others = _split(root)
        return _parse_master(master, others)
    except LineError as exc:
        raise ICalError(str(exc)) from None


def _split(root: Block) -> tuple[Block, list[Block]]:
    todos = [b for b in root.children if b.name == "VTODO"]
    foreign = [b.name for b in root.children if b.name in ("VEVENT", "VJOURNAL")]
    if foreign:
        raise UnsupportedComponent(f"This collection is a Google task list: it holds VTODO "
                                   f"components only, not {foreign[0]}.")
    masters = [b for b in todos if not any(name_of(p) == "RECURRENCE-ID" for p in b.props)]
    if len(masters) != 1:
        raise ICalError("A task resource needs exactly one VTODO without RECURRENCE-ID.")
    return masters[0], [b for b in root.children if b is not masters[0]]


def _parse_master(todo: Block, others: list[Block]) -> ParsedTask:
    sent: dict[str, str | None] = {name: None for name in MAPPED}
    values: dict[str, tuple[dict, str]] = {}
    props, uid = [], None
    for line in todo.props:
        name = name_of(line)
        if name == "UID":
            uid = str(vText.from_ical(parts(line)[2]))
        elif name in OWNED:
            continue
        elif name in sent and sent[name] is None and _mappable(name, line):
            sent[name] = line
            values[name] = parts(line)[1:]
        else:
            props.append(line)
    if not uid:
        raise ICalError("The VTODO has no UID.")
    fields = _fields(values)
    parent = values.get("RELATED-TO")
    return ParsedTask(uid, fields, str(vText.from_ical(parent[1])) if parent else None, sent,
                      props, [child.lines() for child in todo.children],
                      [b.lines() for b in others])


def _mappable(name: str, line: str) -> bool:
    """RELATED-TO maps only as the parent link (RELTYPE=PARENT is the default)."""
    return name != "RELATED-TO" or parts(line)[1].get("RELTYPE", "PARENT").upper() == "PARENT"


def _fields(values: dict[str, tuple[dict, str]]) -> dict:
    def text(name: str) -> str | None:
        return str(vText.from_ical(values[name][1])) if name in values else None
    title, notes = text("SUMMARY") or "", text("DESCRIPTION")
    if len(title) > MAX_TITLE or len(notes or "") > MAX_NOTES:
        raise ICalError(f"Google Tasks holds titles of up to {MAX_TITLE} and notes of up to "
                        f"{MAX_NOTES} characters.")
    completed = _instant(*values["COMPLETED"]) if "COMPLETED" in values else None
    status = (text("STATUS") or "").upper()
    done = status == "COMPLETED" or (not status and completed is not None)
    return {"title": title, "notes": notes or None,
            "due": _due(*values["DUE"]) if "DUE" in values else None,
            "status": "completed" if done else "needsAction",
            "completed": completed if done else None}


def _due(params: dict, value: str) -> str:
    """The calendar date as written (in the value's own zone): Google keeps only a date."""
    try:
        day = dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        raise ICalError(f"DUE is not a date or date-time: {value[:30]!r}") from None
    return f"{day.isoformat()}T00:00:00.000Z"


def _instant(params: dict, value: str) -> str:
    """COMPLETED as Google's RFC 3339 UTC (a zone or floating time read as UTC if unknown)."""
    try:
        moment = dt.datetime.strptime(value.rstrip("Zz"), "%Y%m%dT%H%M%S")
    except ValueError:
        raise ICalError(f"COMPLETED is not a date-time: {value[:30]!r}") from None
    zone = UTC
    if not value.upper().endswith("Z") and "TZID" in params:
        try:
            zone = zoneinfo.ZoneInfo(params["TZID"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = UTC
    return moment.replace(tzinfo=zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
