"""iCalendar content lines kept as text: a client's unmapped properties and components are
stored exactly as sent (no re-serialisation that could change them), so the structure is
read from the unfolded lines themselves. Also the rendering of the mapped properties, shared
by ``to_ical`` and ``keep``, which compares it with what a client sent."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from icalendar import vText
from icalendar.parser import Contentline

_NAME = re.compile(r"[A-Za-z0-9-]+")
UTC = dt.timezone.utc

# Mapped properties in rendering order: each has one line rendered from Google's task.
MAPPED = ("SUMMARY", "DESCRIPTION", "DUE", "STATUS", "COMPLETED", "RELATED-TO", "URL",
          "X-GOOGLE-SORTKEY", "X-GOOGLE-HIDDEN")
# Mapped but read-only: Google's, never changed by a client.
READ_ONLY = ("URL", "X-GOOGLE-SORTKEY", "X-GOOGLE-HIDDEN")
# Rendered from Google's task and never taken from a client.
OWNED = ("UID", "DTSTAMP", "LAST-MODIFIED")


class LineError(ValueError):
    """The text is not well-formed iCalendar."""


@dataclass
class Block:
    """A component: its own property lines and its subcomponents, as sent."""
    name: str
    props: list[str] = field(default_factory=list)
    children: list["Block"] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"BEGIN:{self.name}", *self.props]
        for child in self.children:
            out += child.lines()
        return out + [f"END:{self.name}"]


def name_of(line: str) -> str:
    match = _NAME.match(line)
    if match is None or len(line) == match.end() or line[match.end()] not in ":;":
        raise LineError(f"Not an iCalendar content line: {line[:40]!r}")
    return match.group().upper()


def parts(line: str) -> tuple[str, dict, str]:
    """(NAME, {PARAM: value}, raw value) of a content line."""
    try:
        name, params, value = Contentline(line).parts()
    except ValueError as exc:
        raise LineError(f"Not an iCalendar content line: {line[:40]!r}") from exc
    return name.upper(), {k.upper(): str(v) for k, v in params.items()}, value


def parse_blocks(text: str) -> Block:
    """The VCALENDAR of ``text``, unfolded, as nested blocks."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text.replace("\r\n", "\n"))
    root, stack = None, []
    for line in unfolded.split("\n"):
        if not line.strip():
            continue
        name = name_of(line)
        value = line.split(":", 1)[1].strip().upper() if ":" in line else ""
        if name == "BEGIN":
            block = Block(value)
            if stack:
                stack[-1].children.append(block)
            elif root is None:
                root = block
            else:
                raise LineError("More than one VCALENDAR in the resource.")
            stack.append(block)
        elif name == "END":
            if not stack or stack[-1].name != value:
                raise LineError(f"END:{value} does not close the open component.")
            stack.pop()
        elif not stack:
            raise LineError("A property outside of any component.")
        else:
            stack[-1].props.append(line)
    if root is None or stack or root.name != "VCALENDAR":
        raise LineError("The resource is not one complete VCALENDAR.")
    return root


def fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, never splitting a character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def text_line(name: str, value: str) -> str:
    return f"{name}:{vText(value).to_ical().decode()}"


def utc_stamp(rfc3339: str) -> str:
    """Google's ``2026-01-02T03:04:05.678Z`` as iCalendar UTC ``20260102T030405Z``."""
    moment = dt.datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def rendered(name: str, task: dict, parent_uid: str | None) -> str | None:
    """The line a mapped property gets from Google's ``task`` (None: no such line)."""
    if name == "SUMMARY":
        return text_line(name, task["title"]) if task.get("title") else None
    if name == "DESCRIPTION":
        return text_line(name, task["notes"]) if task.get("notes") else None
    if name == "DUE":
        return f"DUE;VALUE=DATE:{task['due'][:10].replace('-', '')}" if task.get("due") else None
    if name == "STATUS":
        return "STATUS:COMPLETED" if task.get("status") == "completed" else "STATUS:NEEDS-ACTION"
    if name == "COMPLETED":
        return f"COMPLETED:{utc_stamp(task['completed'])}" if task.get("completed") else None
    if name == "RELATED-TO":
        return "RELATED-TO;RELTYPE=PARENT:" + vText(parent_uid).to_ical().decode() \
            if parent_uid else None
    if name == "URL":
        return f"URL:{task['webViewLink']}" if task.get("webViewLink") else None
    if name == "X-GOOGLE-SORTKEY":
        return f"X-GOOGLE-SORTKEY:{task['position']}" if task.get("position") else None
    if name == "X-GOOGLE-HIDDEN":       # cleared, or completed in Google's own apps
        return "X-GOOGLE-HIDDEN:TRUE" if task.get("hidden") else None
    raise KeyError(name)
