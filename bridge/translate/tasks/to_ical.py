"""A Google task → the VCALENDAR clients read, with what the client kept merged back.

Pure and deterministic: the text depends only on the task, its UID, its parent's UID and
the shadow (never on the clock or on Google's etag), so a re-list of an unchanged task
gives the same ETag.
"""

from __future__ import annotations

import hashlib

from ...model import END_OF_TIME, Rendered
from ..events.to_ical import PRODID
from .lines import MAPPED, fold, rendered, text_line, utc_stamp


def render(task: dict, uid: str, parent_uid: str | None, kept: dict | None) -> Rendered:
    kept = kept or {}
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for block in kept.get("calendar", []):
        lines += block
    lines += ["BEGIN:VTODO", text_line("UID", uid)]
    if task.get("updated"):
        stamp = utc_stamp(task["updated"])
        lines += [f"DTSTAMP:{stamp}", f"LAST-MODIFIED:{stamp}"]
    replace = kept.get("replace", [])
    for name in MAPPED:
        line = rendered(name, task, parent_uid)
        entry = next((e for e in replace if e["name"] == name and e["if"] == line), None)
        if entry is not None:
            line = entry["line"]
        if line is not None:
            lines.append(line)
    lines += kept.get("props", [])
    for block in kept.get("components", []):
        lines += block
    lines += ["END:VTODO", "END:VCALENDAR"]
    text = "\r\n".join(fold(line) for line in lines) + "\r\n"
    etag = '"' + hashlib.sha256(text.encode()).hexdigest() + '"'
    return Rendered(uid=uid, text=text, etag=etag, start=0, end=END_OF_TIME, recurring=False)
