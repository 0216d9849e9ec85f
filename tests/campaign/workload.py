"""The fault campaign's parts: a seeded schedule (workload steps, each maybe with a Google
fault), the oracle (Google's truth, read from the emulator's world, which faults never touch)
and the CalDAV view as a client sees it.

A schedule is a pure function of its seed: the same seed draws the same steps and faults.
What the background threads of the bridge do meanwhile (push-triggered syncs, safety polls)
is not seeded, so a fault may meet another request than on the last run; the oracle judges
every outcome by Google's state, not by a script.
"""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

WRITES = ("events.insert", "events.patch", "events.delete")
READS = ("events.list", "events.get")
ERRORS = [                                     # (status, reason, retry_after)
    (500, "backendError", None), (503, "backendError", None),
    (429, "rateLimitExceeded", 1), (429, "rateLimitExceeded", 120),
    (403, "rateLimitExceeded", None), (403, "userRateLimitExceeded", None),
    (403, "quotaExceeded", None),
]
ACTIONS = ["create"] * 4 + ["modify"] * 3 + ["delete"] * 2 + ["read"] * 2 + [
    "google_insert"] * 2 + ["google_patch", "google_delete", "invalidate", "expire_tokens",
                            "push_fault"]


@dataclass
class Step:
    action: str
    fault: dict | None = None
    pick: float = 0.0           # which existing resource or event (a fraction of the list)
    summary: str = ""


@dataclass
class Schedule:
    seed: int
    steps: list[Step] = field(default_factory=list)


def draw(seed: int, steps: int = 14, timeout: float = 1.0) -> Schedule:
    """The schedule of ``seed``: ``steps`` workload steps, about two in three with a fault."""
    rng = random.Random(seed)
    schedule = Schedule(seed)
    for number in range(steps):
        action = rng.choice(ACTIONS)
        fault = _fault(rng, timeout) if rng.random() < 0.65 else None
        if action == "push_fault":
            fault = {"push": {rng.choice(["drop", "duplicate"]): rng.randint(1, 3)}}
        elif action == "expire_tokens" and rng.random() < 0.7:
            fault = {"kind": "error", "method": "oauth.token", "status": rng.choice([500, 503]),
                     "count": rng.randint(1, 6)}
        schedule.steps.append(Step(action, fault, rng.random(), f"S{seed}-{number}"))
    return schedule


def _fault(rng: random.Random, timeout: float) -> dict:
    method = rng.choice(WRITES + READS + (None,))
    kind = rng.choice(["error", "error", "error", "delay", "disconnect", "lose_reply",
                       "truncate"])
    spec: dict = {"kind": kind, "count": rng.choice([1, 1, 2, 3, 5, 10])}
    if method:
        spec["method"] = method
    if kind == "error":
        status, reason, retry_after = rng.choice(ERRORS)
        spec.update(status=status, reason=reason)
        if retry_after:
            spec["retry_after"] = retry_after
    elif kind == "delay":
        # Slow writes stay within the timeout: a write that times out may still land after
        # any answer (Google applies it late), which nobody can tell the client in advance;
        # a lost reply is that case made decidable. Reads may time out.
        slow = [0.2] + ([] if method in WRITES or method is None else [timeout + 0.3])
        spec.update(count=1, seconds=rng.choice(slow))
    elif kind == "truncate":
        spec.update(cut=rng.choice(["close", "short"]), count=rng.choice([1, 2]))
    elif kind in ("disconnect", "lose_reply"):
        spec["count"] = rng.choice([1, 2, 3, 10])
    return spec


# --- the truth ---------------------------------------------------------------------------------

def google_truth(emulator, calendar_id: str) -> dict[str, list[tuple[str, str]]]:
    """Google's live events by iCalUID: [(event id, summary)], read from the emulator's world
    under its lock (no API call, so no fault can meet it)."""
    world = emulator.emulator.world
    out: dict[str, list[tuple[str, str]]] = {}
    with world.lock:
        for record in world.calendars[calendar_id].events.values():
            if not record.cancelled:
                res = record.resource
                out.setdefault(res.get("iCalUID", ""), []).append((res["id"],
                                                                   res.get("summary", "")))
    return out


def google_summaries(truth: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    return {uid: events[0][1] for uid, events in truth.items()}


# --- what a client sees ----------------------------------------------------------------------

QUERY = """<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:"
xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>
</c:filter></c:calendar-query>"""
DAV, CALDAV = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}"
LINE = re.compile(r"^(UID|SUMMARY):(.*?)\r?$", re.M)


@dataclass(frozen=True)
class Resource:
    href: str
    uid: str
    summary: str


def caldav_view(session, url: str) -> tuple[int, list[Resource]]:
    """(status, every VEVENT resource) from a calendar-query REPORT."""
    answer = session.request("REPORT", url, data=QUERY,
                             headers={"Depth": "1", "Content-Type": "text/xml"})
    if answer.status_code != 207:
        return answer.status_code, []
    out = []
    for node in ET.fromstring(answer.content).findall(f"{DAV}response"):
        data = node.find(f".//{CALDAV}calendar-data")
        if data is None or not data.text:
            continue
        text = data.text.replace("\r\n ", "").replace("\n ", "")    # unfold
        fields: dict[str, str] = {}
        for name, value in LINE.findall(text):
            fields.setdefault(name, value)
        out.append(Resource(node.find(f"{DAV}href").text, fields.get("UID", ""),
                            fields.get("SUMMARY", "").replace("\\,", ",")))
    return 207, out


EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//campaign//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20260101T000000Z\r
DTSTART:20260601T{hour:02d}0000Z\r
DTEND:20260601T{hour:02d}3000Z\r
SUMMARY:{summary}\r
END:VEVENT\r
END:VCALENDAR\r
"""


def ical(uid: str, summary: str, hour: int = 9) -> str:
    return EVENT.format(uid=uid, summary=summary, hour=hour)


def unreported(before: dict, now: dict, changes: dict) -> tuple[dict, dict]:
    """What an old sync token reported against what it missed (href -> ETag, 404 gone) from
    the view ``before`` to the view ``now``. Two extras are harmless and allowed: the removal
    of a member the client never saw (made and deleted since the token; RFC 6578 allows it),
    and a member reported with the ETag the client already has (the listing that came with
    the token is read after it, so a change landing in between is listed and then reported
    once more: fetched twice, never missed); nothing else extra."""
    missed = {href: etag for href, etag in now.items() if before.get(href) != etag}
    missed.update((href, 404) for href in before.keys() - now.keys())
    reported = {href: etag for href, etag in changes.items()
                if not (etag == 404 and href not in before and href not in now)
                and not (etag != 404 and before.get(href) == etag == now.get(href))}
    return reported, missed
