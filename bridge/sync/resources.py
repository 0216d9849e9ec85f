"""Pure helpers: which CalDAV resource a Google event belongs to, and its href."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

_SAFE_HREF = re.compile(r"[A-Za-z0-9._-]{1,200}")
GOOGLE_UID_SUFFIX = "@google.com"


def href_for(uid: str) -> str:
    """The href a Google-side event's resource gets: characters no client re-encodes (some
    normalise ``%40`` and would then miss the resource), derived from the UID."""
    name = uid.removesuffix(GOOGLE_UID_SUFFIX)
    if _SAFE_HREF.fullmatch(name) and not name.startswith("."):
        return name + ".ics"
    return hashed_href(uid)


def hashed_href(uid: str) -> str:
    """An href no other UID derives (for when ``href_for``'s readable name is taken)."""
    return hashlib.sha256(uid.encode()).hexdigest()[:40] + ".ics"


def is_deleted(event: dict) -> bool:
    """A deleted event or series (not a cancelled instance of a live series)."""
    return event.get("status") == "cancelled" and "recurringEventId" not in event


def group_by_uid(events: list[dict], known: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Group a full listing into resources. Cancelled instances may come in minimal form
    without iCalUID; they join their master's group (or ``known`` event id -> uid)."""
    known = dict(known or {})
    for event in events:
        if event.get("iCalUID"):
            known[event["id"]] = event["iCalUID"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        if is_deleted(event):
            continue
        uid = uid_of(event, known)
        if uid is not None:
            groups[uid].append(event)
    return dict(groups)


def uid_of(event: dict, known: dict[str, str]) -> str | None:
    return (event.get("iCalUID") or known.get(event["id"])
            or known.get(event.get("recurringEventId", "")))
