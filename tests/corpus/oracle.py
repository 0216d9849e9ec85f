"""The fidelity oracle: how the corpus in this directory is judged, independently of
bridge/translate. The client's side is read with icalendar and ``recurring_ical_events``, Google's
through the Google API's own fields; ``INTENDED`` states, per shape, what docs/mapping.md
promises where Google cannot hold what a client sent. Used by
tests/radicale_plugin/test_fidelity.py (see README.md here for the corpus format).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

CORPUS = Path(__file__).resolve().parent
SHAPES = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".ics", ".json"))
ZONE = "Europe/Berlin"                       # every corpus calendar's zone
UTC = timezone.utc
WINDOW = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
# Properties whose values Google (or the bridge) owns: not expected back as sent.
SERVER_OWNED = {"DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "ORGANIZER"}
TIMING = {"DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RDATE", "EXDATE"}  # as instants
# Parameters at their RFC 5545 default (servers may drop them: Radicale's vobject does).
DEFAULT_PARAMS = {("TRIGGER", "VALUE", "DURATION"), ("TRIGGER", "RELATED", "START")}
SYNTHETIC = "X-GOOGLE-SYNTHETIC-MASTER"       # a stand-in master: no Google event of its own
PARTSTAT = {"NEEDS-ACTION": "needsAction", "ACCEPTED": "accepted", "DECLINED": "declined",
            "TENTATIVE": "tentative"}

# What the documentation (docs/mapping.md) promises where Google cannot hold what was sent:
# "google" - fields Google holds instead (the oracle derives the rest the same way);
# "zone" - the IANA zone Google expands the event in; "lost" - properties a copy (the
# CalDAV → Google direction of a .json shape) does not carry.
SPECIAL_COPY = {"lost": {"X-GOOGLE-EVENT-TYPE"}}       # a copy is an ordinary event
INTENDED: dict[str, dict] = {
    "alarms-relative.ics": {"google": {"reminders": [
        ("email", 1440), ("popup", 0), ("popup", 15)]}},
    "alarms-more-than-five.ics": {"google": {"reminders": [   # the first five, as sent
        ("popup", 5), ("popup", 30), ("popup", 60), ("popup", 120), ("popup", 1440)]}},
    "alarm-absolute.ics": {"google": {"reminders": []}},      # kept locally only
    "alarm-related-end.ics": {"google": {"reminders": []}},
    "alarm-beyond-four-weeks.ics": {"google": {"reminders": [("popup", 40320)]}},
    "attendees-every-partstat-and-role.ics": {"google": {"attendees": {
        "olivia@example.com": ("accepted", False), "ana@example.com": ("accepted", False),
        "ben@example.com": ("needsAction", False), "chloe@example.com": ("tentative", True),
        "dmitri@example.com": ("declined", False),
        "erin@example.com": ("needsAction", False),            # DELEGATED: no such state
        "eve@example.com": ("needsAction", False), "fatima@example.com": ("needsAction", False),
        "room412@resource.example.com": ("accepted", False),
        "projector@resource.example.com": ("accepted", False),
        "design@example.com": ("needsAction", False)}}},
    "color-css-name.ics": {"google": {"colorId": "4"}},       # tomato → Flamingo
    "color-css-canonical-name.ics": {"google": {"colorId": "11"}},
    "timed-floating.ics": {"zone": ZONE},                     # floating: the calendar's zone
    "exdate-floating-series.ics": {"zone": ZONE},
    "windows-zone-without-vtimezone.ics": {"zone": "America/Los_Angeles"},
    "outlook-windows-zone-and-x-properties.ics": {"zone": "Europe/Berlin"},
    "custom-vtimezone-name.ics": {"zone": "America/New_York"},  # matched by its offsets
    "x-wr-timezone-export.ics": {"zone": "America/New_York"},
    "tzid-without-vtimezone.ics": {"zone": "Europe/Paris"},
    "rrule-bymonthday.ics": {"zone": "Europe/Berlin"},        # vendor-prefixed TZID
    "timed-utc.ics": {"zone": "UTC"},
    "google-out-of-office.json": SPECIAL_COPY, "google-focus-time.json": SPECIAL_COPY,
    "google-working-location.json": SPECIAL_COPY, "google-birthday.json": SPECIAL_COPY,
    # Google's Meet link and Drive attachments are Google's: a copy gets none (Google would
    # not create them from a URL); a client's own CONFERENCE/ATTACH are kept locally.
    "google-meet-conference-and-attachments.json": {"lost": {
        "CONFERENCE", "ATTACH", "X-GOOGLE-CONFERENCE"}},
}


# --- the corpus -------------------------------------------------------------------------------

def load(shape: str):
    text = (CORPUS / shape).read_text(encoding="utf-8")
    if shape.endswith(".json"):
        return json.loads(text)
    return text.replace("\r\n", "\n").replace("\n", "\r\n")     # clients send CRLF


def event_type(shape: str) -> str:
    return load(shape)[0].get("eventType", "default") if shape.endswith(".json") else "default"


def invitation_only(shape: str) -> bool:
    """Google events that are all instances of a series whose master is elsewhere."""
    if not shape.endswith(".json"):
        return False
    events = load(shape)
    ids = {e["id"] for e in events}
    return all(e.get("recurringEventId") and e["recurringEventId"] not in ids for e in events)


# --- Google's side, from the Google API's fields ----------------------------------------------

def g_instant(edt: dict) -> str:
    if "date" in edt:
        return edt["date"]
    return datetime.fromisoformat(edt["dateTime"]).astimezone(UTC).isoformat()


def lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def google_fields(event: dict) -> dict:
    """What a client can see of a Google event, in the oracle's terms."""
    reminders = event.get("reminders") or {}
    return {
        "summary": event.get("summary", ""), "description": lf(event.get("description", "")),
        "location": event.get("location", ""), "status": event.get("status"),
        "transparency": event.get("transparency", "opaque"),
        "visibility": event.get("visibility", "default"),
        "attendees": {a["email"]: (a.get("responseStatus"), bool(a.get("optional")))
                      for a in event.get("attendees", [])},
        "reminders": "default" if reminders.get("useDefault") else sorted(
            (r["method"], r["minutes"]) for r in reminders.get("overrides", [])),
        "colorId": event.get("colorId"),
    }


def google_by_key(events: dict[str, dict]) -> dict[str, dict]:
    """Live events keyed like VEVENTs: "" for the master or single event, else the instant
    of the original start."""
    out = {}
    for event in events.values():
        if "originalStartTime" in event:
            out[g_instant(event["originalStartTime"])] = event
        elif event["status"] != "cancelled":
            out[""] = event
    return out


# --- the client's side, read with icalendar and recurring_ical_events -------------------------

def i_instant(value) -> str:
    """A DATE as itself, a DATE-TIME as its UTC instant (floating: the calendar's zone)."""
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(ZONE))
    return value.astimezone(UTC).isoformat()


def client_occurrences(text: str) -> list[tuple]:
    out = []
    for occ in recurring_ical_events.of(Calendar.from_ical(text)).between(*WINDOW):
        if str(occ.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start = occ["DTSTART"].dt
        end = occ["DTEND"].dt if "DTEND" in occ else start + (
            occ["DURATION"].dt if "DURATION" in occ else
            timedelta(days=0 if isinstance(start, datetime) else 1))
        out.append((i_instant(start), i_instant(end), str(occ.get("SUMMARY", "")),
                    str(occ.get("LOCATION", "")), lf(str(occ.get("DESCRIPTION", "")))))
    return sorted(out)


def vevents(text: str) -> dict[str, object]:
    return {i_instant(e["RECURRENCE-ID"].dt) if "RECURRENCE-ID" in e else "": e
            for e in Calendar.from_ical(text).walk("VEVENT")}


def alarm_minutes(alarm) -> int | None:
    """Minutes before the start of a relative alarm Google can hold, else None."""
    trigger = alarm["TRIGGER"]
    value = trigger.dt
    if (not isinstance(value, timedelta) or value > timedelta(0)
            or str(trigger.params.get("RELATED", "START")).upper() != "START"
            or value.total_seconds() % 60 or -value.total_seconds() / 60 > 40320):
        return None
    return int(-value.total_seconds() // 60)


def expected_google_fields(vevent, color_id) -> dict:
    """What Google should hold for one VEVENT a client sent (docs/mapping.md)."""
    alarms = [a for a in vevent.walk("VALARM")]
    holdable = [(a, m) for a, m in ((a, alarm_minutes(a)) for a in alarms) if m is not None]
    attendees = vevent.get("ATTENDEE", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return {
        "summary": str(vevent.get("SUMMARY", "")), "description": lf(str(vevent.get(
            "DESCRIPTION", ""))), "location": str(vevent.get("LOCATION", "")),
        "status": {"TENTATIVE": "tentative", "CANCELLED": "cancelled"}.get(
            str(vevent.get("STATUS", "")).upper(), "confirmed"),
        "transparency": str(vevent.get("TRANSP", "OPAQUE")).lower(),
        "visibility": str(vevent.get("CLASS", "default")).lower(),
        "attendees": {str(a).lower().removeprefix("mailto:"): (
            PARTSTAT.get(str(a.params.get("PARTSTAT", "")).upper(), "needsAction"),
            str(a.params.get("ROLE", "")).upper() == "OPT-PARTICIPANT") for a in attendees},
        "reminders": "default" if alarms and all(
            "X-GOOGLE-DEFAULT-REMINDER" in a for a in alarms) else sorted(
            {(str(a.get("X-GOOGLE-REMINDER-METHOD", "")).lower() or (
                "email" if str(a.get("ACTION")).upper() == "EMAIL" else "popup"), m)
             for a, m in holdable[:5]}),
        "colorId": color_id,
    }


def signatures(component, skip=frozenset()) -> Counter:
    """Each property as (name, parameters, value), for "everything sent came back"."""
    out = Counter()
    for name, prop in component.property_items(recursive=False):
        if name in ("BEGIN", "END") or name in skip:
            continue
        params = tuple(sorted((k.upper(), str(v)) for k, v in prop.params.items()
                              if (name, k.upper(), str(v)) not in DEFAULT_PARAMS))
        value = prop.to_ical() if hasattr(prop, "to_ical") else str(prop)
        value = value.decode() if isinstance(value, bytes) else value
        if name in ("ATTENDEE", "ORGANIZER"):
            value = value.lower()
        out[(name, params, value)] += 1
    return out


def timing(vevent) -> dict:
    out = {}
    for name in ("RDATE", "EXDATE"):
        values = vevent.get(name, [])
        out[name] = sorted(i_instant(d.dt) for v in (values if isinstance(values, list)
                                                      else [values]) for d in v.dts)
    return out


# --- a client's edits, as content lines -------------------------------------------------------

def unfolded(text: str) -> list[str]:
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def with_summary(text: str, summary: str) -> str:
    """The client's edit: a new SUMMARY on the first VEVENT (content lines otherwise as they
    were; icalendar's re-serialisation would also rewrite a literal backslash-N)."""
    lines = unfolded(text)
    starts = [i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"] + [len(lines)]
    for begin, end in zip(starts, starts[1:]):
        block = lines[begin:end]
        if not any(line.startswith(SYNTHETIC) for line in block):
            at = begin + next(i for i, line in enumerate(block) if line.startswith("SUMMARY"))
            lines[at] = "SUMMARY:" + summary
            return "\r\n".join(lines)
    raise AssertionError("no VEVENT to edit")


def with_uid(text: str, uid: str) -> str:
    return "\r\n".join("UID:" + uid if line.startswith("UID:") else line
                       for line in unfolded(text))


def intended(shape: str, key: str, default=frozenset()):
    return INTENDED.get(shape, {}).get(key, default)


def color_of(vevent) -> str | None:
    from bridge.translate.colors import color_id_for_css_name
    if "COLOR" in vevent:
        return color_id_for_css_name(str(vevent["COLOR"]))
    return str(vevent["X-GOOGLE-COLOR-ID"]) if "X-GOOGLE-COLOR-ID" in vevent else None
