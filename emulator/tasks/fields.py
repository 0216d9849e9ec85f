"""Validation of Task and TaskList bodies, and the RFC 3339 values Tasks accepts.

Read-only fields a client echoes back (id, etag, updated, selfLink, parent, position, hidden,
links, webViewLink ...) are ignored, as Google ignores them; ``parent`` and ``position``
change only through ``move``.
"""

from __future__ import annotations

import datetime as dt
import re

from emulator import times

from . import errors
from .store import Task

TITLE_MAX, NOTES_MAX = 1024, 8192
STATUSES = ("needsAction", "completed")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")
_BLANK = {"title": "", "notes": None, "status": "needsAction", "due": None, "completed": None,
          "deleted": False}


def parse_timestamp(text: object, location: str | None = None) -> dt.datetime:
    """A full RFC 3339 date-time with offset; a bare date or local time is a 400."""
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        raise errors.invalid_argument(location)
    fraction = re.search(r"\.(\d+)", text)
    if fraction:       # Python takes at most 6 fractional digits
        text = text.replace(fraction.group(0), "." + fraction.group(1)[:6].ljust(6, "0"))
    try:
        return dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise errors.invalid_argument(location) from None


def due_value(text: object) -> str:
    """Google keeps only the date of ``due``, after converting it to UTC."""
    day = parse_timestamp(text, "due").astimezone(dt.timezone.utc).date()
    return f"{day.isoformat()}T00:00:00.000Z"


def task_fields(body: object, current: Task | None, *, patch: bool) -> dict:
    """The writable fields after this write: insert and update start from blank (omitted
    fields are cleared), patch from the current task. ``completed`` follows ``status``: set
    to now when a task becomes completed without one, dropped when it needs action again."""
    if not isinstance(body, dict):
        raise errors.invalid_argument()
    base = {k: getattr(current, k) for k in _BLANK} if patch and current else dict(_BLANK)
    out = dict(base)
    for key in _BLANK:
        if key in body:
            out[key] = _BLANK[key] if body[key] is None else _check(key, body[key])
    if out["status"] == "needsAction":
        out["completed"] = None
    elif body.get("completed") is None:
        was_completed = current is not None and current.status == "completed"
        out["completed"] = (current.completed if was_completed
                            else times.format_timestamp(times.now()))
    return out


def _check(key: str, value: object) -> object:
    if key in ("title", "notes"):
        limit = TITLE_MAX if key == "title" else NOTES_MAX
        if not isinstance(value, str) or len(value) > limit:
            raise errors.invalid_value(key)
        return value
    if key == "status":
        if value not in STATUSES:
            raise errors.invalid_value(key)
        return value
    if key == "deleted":
        if not isinstance(value, bool):
            raise errors.invalid_argument(key)
        return value
    if key == "due":
        return due_value(value)
    return times.format_timestamp(parse_timestamp(value, key))     # completed


def list_title(body: object, current: str | None) -> str:
    """A TaskList body's title (the only writable field); patch keeps the current one."""
    if not isinstance(body, dict):
        raise errors.invalid_argument()
    title = body.get("title", current if current is not None else "")
    if title is None:
        title = ""
    if not isinstance(title, str) or len(title) > TITLE_MAX:
        raise errors.invalid_value("title")
    return title
