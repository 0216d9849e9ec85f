"""Per-VEVENT properties of one Google event (everything except times and recurrence)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from icalendar import Alarm, Event, vCalAddress, vText, vUri

from ..colors import css_name_for_color_id
from ..timezones import UTC, utc_timestamp

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

STATUS = {"confirmed": "CONFIRMED", "tentative": "TENTATIVE"}
CLASS = {"public": "PUBLIC", "private": "PRIVATE", "confidential": "CONFIDENTIAL"}
PARTSTAT = {"needsAction": "NEEDS-ACTION", "accepted": "ACCEPTED", "declined": "DECLINED",
            "tentative": "TENTATIVE"}
#: Marks CONFERENCE and ATTACH lines rendered from Google's conferenceData and attachments:
#: the write path leaves those to Google and keeps a client's own ones in the shadow.
DERIVED = "X-GOOGLE-DERIVED"
#: Marks the stand-in master of an invitation to single instances (see to_ical.render).
SYNTHETIC = "X-GOOGLE-SYNTHETIC-MASTER"
#: entryPointType → RFC 7986 FEATURE ("more" — a page of extra numbers — gets none).
FEATURE = {"video": "VIDEO", "phone": "PHONE", "sip": "VIDEO"}

# TEXT may not contain control characters other than HTAB (RFC 5545 §3.3.11), nor can
# UTF-8 carry lone surrogates (JSON "\ud800" escapes decode to them); line breaks are
# normalised to LF, which icalendar escapes as "\n".
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")  # + lone surrogates


def lookup(mapping: dict, value: object, default: str | None = None) -> str | None:
    """``mapping[value]`` for a string Google enum value, else ``default``."""
    return mapping.get(value, default) if isinstance(value, str) else default


def clean_text(value: object) -> str:
    """A Google string made safe for an iCalendar TEXT value ('' for non-strings)."""
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def clean_param(value: object) -> str:
    """A Google string made safe for a parameter value (one line; quoting and RFC 6868
    caret-encoding are icalendar's)."""
    return " ".join(clean_text(value).split("\n")).strip()


class Text(vText):
    """``vText`` that keeps a literal backslash followed by ``N``.

    icalendar's TEXT escaping first rewrites the two characters ``\\N`` into a line break
    (so ``C:\\New`` would come out as ``C:`` + newline + ``ew``).  A NUL guard (control
    characters never survive ``clean_text``) hides the pair from that step and is removed
    from the escaped bytes; all other escaping is icalendar's own.
    """

    def to_ical(self) -> bytes:
        guarded = vText(str(self).replace("\\N", "\\\x00N"), self.encoding)
        return guarded.to_ical().replace(b"\x00", b"")


def add_text(component, name: str, value: object) -> None:
    text = clean_text(value)
    if text:
        component.add(name, Text(text))


def add_basics(vevent: Event, ev: dict, fallback_stamp: datetime | None) -> None:
    """SUMMARY … SEQUENCE, CREATED, LAST-MODIFIED, DTSTAMP, COLOR, X-GOOGLE-*."""
    add_text(vevent, "SUMMARY", ev.get("summary"))
    add_text(vevent, "DESCRIPTION", ev.get("description"))
    add_text(vevent, "LOCATION", ev.get("location"))
    if lookup(STATUS, ev.get("status")):
        vevent.add("STATUS", lookup(STATUS, ev.get("status")))
    vevent.add("TRANSP", "TRANSPARENT" if ev.get("transparency") == "transparent" else "OPAQUE")
    if lookup(CLASS, ev.get("visibility")):
        vevent.add("CLASS", lookup(CLASS, ev.get("visibility")))
    sequence = ev.get("sequence")
    if isinstance(sequence, int) and not isinstance(sequence, bool):
        vevent.add("SEQUENCE", sequence)
    created = utc_timestamp(ev.get("created"))
    updated = utc_timestamp(ev.get("updated"))
    if created:
        vevent.add("CREATED", created)
    if updated:
        vevent.add("LAST-MODIFIED", updated)
    vevent.add("DTSTAMP", updated or created or fallback_stamp or EPOCH)

    color_id = ev.get("colorId")
    if isinstance(color_id, (str, int)) and str(color_id).strip():
        name = css_name_for_color_id(color_id)
        if name:
            vevent.add("COLOR", name)
        add_text(vevent, "X-GOOGLE-COLOR-ID", str(color_id).strip())
    event_type = ev.get("eventType")
    if isinstance(event_type, str) and event_type and event_type != "default":
        add_text(vevent, "X-GOOGLE-EVENT-TYPE", event_type)


def _address(person: dict) -> vCalAddress | None:
    email = clean_param(person.get("email")) if isinstance(person, dict) else ""
    if not email:
        return None
    address = vCalAddress(f"mailto:{email}")
    name = clean_param(person.get("displayName"))
    if name:
        address.params["CN"] = name
    return address


def attendee_address(attendee: dict) -> vCalAddress | None:
    """One Google attendee as an ATTENDEE value (the organizer's own entry gets ROLE=CHAIR, so
    clients see the organizer's PARTSTAT). Extra guests and the response comment ride in the
    parameters Google's own CalDAV and Apple use, so a client's write keeps them."""
    address = _address(attendee)
    if address is None:
        return None
    address.params["PARTSTAT"] = lookup(PARTSTAT, attendee.get("responseStatus"),
                                        "NEEDS-ACTION")
    if attendee.get("organizer"):
        address.params["ROLE"] = "CHAIR"
    elif attendee.get("optional"):
        address.params["ROLE"] = "OPT-PARTICIPANT"
    else:
        address.params["ROLE"] = "REQ-PARTICIPANT"
    if address.params["PARTSTAT"] == "NEEDS-ACTION":
        address.params["RSVP"] = "TRUE"
    if attendee.get("resource"):
        address.params["CUTYPE"] = "RESOURCE"
    guests = attendee.get("additionalGuests")
    if isinstance(guests, int) and not isinstance(guests, bool) and guests > 0:
        address.params["X-NUM-GUESTS"] = str(guests)
    if clean_param(attendee.get("comment")):
        address.params["X-RESPONSE-COMMENT"] = clean_param(attendee["comment"])
    return address


def add_people(vevent: Event, ev: dict) -> None:
    """ORGANIZER and one ATTENDEE per Google attendee."""
    organizer = _address(ev.get("organizer") or {})
    if organizer is not None:
        vevent.add("ORGANIZER", organizer)
    rendered = [a for a in map(attendee_address, [a for a in ev.get("attendees") or []
                                                  if isinstance(a, dict)]) if a is not None]
    seen = set()
    for address in sorted(rendered, key=lambda a: (str(a).lower(), a.to_ical())):
        if str(address).lower() not in seen:
            seen.add(str(address).lower())
            vevent.add("ATTENDEE", address)


def add_conference(vevent: Event, ev: dict) -> None:
    """RFC 7986 CONFERENCE per entry point (+ hangoutLink) and X-GOOGLE-CONFERENCE."""
    data = ev.get("conferenceData") if isinstance(ev.get("conferenceData"), dict) else {}
    solution = data.get("conferenceSolution") if isinstance(data.get("conferenceSolution"), dict) else {}
    entries = [(clean_param(e.get("uri")), e.get("entryPointType"), clean_param(e.get("label")))
               for e in data.get("entryPoints") or [] if isinstance(e, dict)]
    hangout = clean_param(ev.get("hangoutLink"))
    if hangout and hangout not in {uri for uri, _, _ in entries}:
        entries.append((hangout, "video", ""))
    video_uri, seen = None, set()
    for uri, kind, label in entries:
        if not uri or uri in seen:
            continue
        seen.add(uri)
        params = {"VALUE": "URI", DERIVED: "TRUE"}
        if lookup(FEATURE, kind):
            params["FEATURE"] = lookup(FEATURE, kind)
        label = label or (clean_param(solution.get("name")) if kind == "video" else "")
        if label:
            params["LABEL"] = label
        vevent.add("CONFERENCE", vUri(uri), parameters=params)
        if kind == "video" and video_uri is None:
            video_uri = uri
    if video_uri:
        vevent.add("X-GOOGLE-CONFERENCE", vUri(video_uri))


def add_attachments(vevent: Event, ev: dict) -> None:
    for attachment in ev.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        url = clean_param(attachment.get("fileUrl"))
        if not url:
            continue
        params = {DERIVED: "TRUE"}
        if clean_param(attachment.get("mimeType")):
            params["FMTTYPE"] = clean_param(attachment["mimeType"])
        if clean_param(attachment.get("title")):
            params["FILENAME"] = clean_param(attachment["title"])
        vevent.add("ATTACH", vUri(url), parameters=params)


def _reminder(item: object) -> tuple[int, str] | None:
    if not isinstance(item, dict):
        return None
    try:
        minutes = int(item.get("minutes"))
    except (TypeError, ValueError):
        return None
    method = item.get("method") if isinstance(item.get("method"), str) else "popup"
    method = method or "popup"
    return (minutes, method) if minutes >= 0 else None


def alarms(ev: dict, default_reminders, summary: str) -> list[Alarm]:
    """VALARMs from ``reminders`` (``useDefault`` → the calendar's default reminders).

    Every reminder becomes ACTION:DISPLAY (the calendar owner's address is unknown, so an
    EMAIL alarm could not name its recipient); a non-popup method is kept in
    ``X-GOOGLE-REMINDER-METHOD`` and alarms standing for the calendar defaults carry
    ``X-GOOGLE-DEFAULT-REMINDER:TRUE`` so the write path can restore both.
    """
    reminders = ev.get("reminders")
    if not isinstance(reminders, dict):
        return []
    use_default = bool(reminders.get("useDefault"))
    source = default_reminders if use_default else reminders.get("overrides")
    if not isinstance(source, (list, tuple)):
        source = ()
    items = sorted({r for r in map(_reminder, source) if r is not None})
    out = []
    for minutes, method in items:
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", Text(clean_text(summary) or "Reminder"))
        alarm.add("TRIGGER", timedelta(minutes=-minutes))
        if method != "popup":
            add_text(alarm, "X-GOOGLE-REMINDER-METHOD", method)
        if use_default:
            alarm.add("X-GOOGLE-DEFAULT-REMINDER", Text("TRUE"))
        out.append(alarm)
    return out
