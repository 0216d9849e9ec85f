"""Google's validation of an Event body on insert, import, update and patch.

``clean_event`` returns the writable part of the body, normalised (times re-rendered in their
zone), or raises the ApiError Google would answer. Read-only fields a client echoes back
(etag, created, htmlLink ...) are ignored, as Google ignores them.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from . import errors, recurrence, times

WRITABLE = {
    "summary", "description", "location", "colorId", "start", "end", "endTimeUnspecified",
    "recurrence", "transparency", "visibility", "iCalUID", "sequence", "attendees",
    "attendeesOmitted", "extendedProperties", "conferenceData", "gadget", "anyoneCanAddSelf",
    "guestsCanInviteOthers", "guestsCanModify", "guestsCanSeeOtherGuests", "privateCopy",
    "reminders", "source", "attachments", "eventType", "status", "organizer",
    "outOfOfficeProperties", "focusTimeProperties", "workingLocationProperties",
    "birthdayProperties",
}
ENUMS = {
    "status": ("confirmed", "tentative", "cancelled"),
    "transparency": ("opaque", "transparent"),
    "visibility": ("default", "public", "private", "confidential"),
    "eventType": ("default", "birthday", "focusTime", "fromGmail", "outOfOffice",
                  "workingLocation"),
}
PRIMARY_ONLY_TYPES = ("focusTime", "outOfOffice", "workingLocation")
RESPONSE_STATUSES = ("needsAction", "declined", "tentative", "accepted")
EVENT_COLOR_IDS = tuple(str(n) for n in range(1, 12))
CLIENT_ID_RE = re.compile(r"[a-v0-9]{5,1024}")
MAX_OVERRIDES = 5
MAX_REMINDER_MINUTES = 40320
MAX_ATTACHMENTS = 25
EXT_KEY_MAX, EXT_VALUE_MAX = 44, 1024


def check_client_id(event_id: object) -> str:
    if not isinstance(event_id, str) or not CLIENT_ID_RE.fullmatch(event_id):
        raise errors.invalid("Invalid resource id value.", location="id")
    return event_id


def clean_event(body: object, *, calendar_zone: str, is_primary: bool,
                conference_version: int = 0, supports_attachments: bool = False,
                is_import: bool = False) -> dict:
    """Validate a full event body (insert, import, update, or a patch merged onto the stored
    event) and return its normalised writable fields."""
    if not isinstance(body, dict):
        raise errors.parse_error()
    event = {k: v for k, v in body.items() if k in WRITABLE and v is not None}
    if not is_import:
        event.pop("organizer", None)
    for name, allowed in ENUMS.items():
        if name in event and event[name] not in allowed:
            raise errors.invalid(f"Invalid value for: {name}", location=name)
    if event.get("eventType") in PRIMARY_ONLY_TYPES and not is_primary:
        raise errors.invalid(f"Events of type {event['eventType']} can only be created "
                             "on primary calendars.", location="eventType")
    if is_import and event.get("eventType", "default") != "default":
        event["eventType"] = "default"   # Google converts non-default imports
    _clean_times(event, calendar_zone)
    if "sequence" in event and (not isinstance(event["sequence"], int) or event["sequence"] < 0):
        raise errors.invalid("Invalid value for: sequence", location="sequence")
    if "colorId" in event and event["colorId"] not in EVENT_COLOR_IDS:
        raise errors.invalid("Invalid value for: colorId", location="colorId")
    if "reminders" in event:
        event["reminders"] = _clean_reminders(event["reminders"])
    if "attendees" in event:
        event["attendees"] = _clean_attendees(event["attendees"])
    if "extendedProperties" in event:
        event["extendedProperties"] = _clean_extended(event["extendedProperties"])
    if "attachments" in event:
        if not supports_attachments:
            del event["attachments"]
        elif len(event["attachments"]) > MAX_ATTACHMENTS:
            raise errors.invalid("Too many attachments.", location="attachments")
    if "conferenceData" in event and conference_version < 1:
        del event["conferenceData"]
    return event


def _clean_times(event: dict, calendar_zone: str) -> None:
    if "start" not in event:
        raise errors.required("Missing start time.", location="start")
    if "end" not in event:
        raise errors.required("Missing end time.", location="end")
    event["start"] = normalise_edt(event["start"], "start", calendar_zone)
    event["end"] = normalise_edt(event["end"], "end", calendar_zone)
    if times.is_all_day(event["start"]) != times.is_all_day(event["end"]):
        raise errors.invalid("Start and end times must either both be date or both be dateTime.")
    if times.instant(event["end"], calendar_zone) < times.instant(event["start"], calendar_zone):
        raise errors.time_range_empty(location="end")
    rules = event.get("recurrence")
    if rules:
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise errors.invalid("Invalid recurrence rule.", location="recurrence")
        if not times.is_all_day(event["start"]) and "timeZone" not in event["start"]:
            raise errors.required("Missing time zone definition for start time.")
        try:
            recurrence.validate(rules, times.event_start_value(event["start"], calendar_zone))
        except recurrence.RecurrenceError as exc:
            raise errors.invalid(f"Invalid recurrence rule. {exc}", location="recurrence") from None
    elif "recurrence" in event:
        del event["recurrence"]


def normalise_edt(edt: object, field: str, calendar_zone: str) -> dict:
    """Check an EventDateTime and render it as Google does: a date, or a dateTime with the
    offset of its own zone (the calendar's when it names none)."""
    if not isinstance(edt, dict) or not ({"date", "dateTime"} & edt.keys()):
        raise errors.required(f"Missing {field} time.", location=field)
    zone_name = edt.get("timeZone")
    zone = times.zone(zone_name, field=f"{field} time") if zone_name else None
    if edt.get("date") is not None and edt.get("dateTime") is None:
        out = {"date": times.parse_date(edt["date"], field=f"{field}.date").isoformat()}
        if zone_name:
            out["timeZone"] = zone_name
        return out
    text = edt.get("dateTime")
    try:
        value = dt.datetime.fromisoformat(str(text).replace("z", "Z"))
    except ValueError:
        raise errors.invalid(f"Invalid {field} time.", location=f"{field}.dateTime") from None
    if value.tzinfo is None:
        if zone is None:
            raise errors.required(f"Missing time zone definition for {field} time.")
        value = value.replace(tzinfo=zone)
    out = {"dateTime": times.format_datetime(value.astimezone(zone or ZoneInfo(calendar_zone)))}
    if zone_name:
        out["timeZone"] = zone_name
    return out


def _clean_reminders(reminders: object) -> dict:
    if not isinstance(reminders, dict):
        raise errors.invalid("Invalid value for: reminders", location="reminders")
    use_default = bool(reminders.get("useDefault", False))
    overrides = reminders.get("overrides") or []
    if use_default and overrides:
        raise errors.ApiError(400, "cannotUseDefaultRemindersAndSpecifyOverride",
                              "Cannot specify both default reminders and overrides at the same "
                              "time.")
    if len(overrides) > MAX_OVERRIDES:
        raise errors.ApiError(400, "cannotUseMoreThan5Reminders",
                              f"Cannot have more than {MAX_OVERRIDES} reminder overrides.")
    cleaned = []
    for item in overrides:
        if not isinstance(item, dict) or "method" not in item:
            raise errors.required("Missing reminder method.", location="reminders.overrides.method")
        if "minutes" not in item:
            raise errors.required("Missing reminder minutes.",
                                  location="reminders.overrides.minutes")
        if item["method"] not in ("email", "popup"):
            raise errors.invalid("Invalid reminder method.", location="reminders.overrides.method")
        minutes = item["minutes"]
        if not isinstance(minutes, int) or not 0 <= minutes <= MAX_REMINDER_MINUTES:
            raise errors.invalid("Invalid reminder minutes value.",
                                 location="reminders.overrides.minutes")
        cleaned.append({"method": item["method"], "minutes": minutes})
    out: dict = {"useDefault": use_default}
    if cleaned:
        out["overrides"] = cleaned
    return out


def _clean_attendees(attendees: object) -> list:
    if not isinstance(attendees, list):
        raise errors.invalid("Invalid value for: attendees", location="attendees")
    cleaned = []
    for person in attendees:
        if not isinstance(person, dict) or not person.get("email"):
            raise errors.required("Missing attendee email.", location="attendees.email")
        person = dict(person)
        person["email"] = str(person["email"]).strip().lower()
        person.setdefault("responseStatus", "needsAction")
        if person["responseStatus"] not in RESPONSE_STATUSES:
            raise errors.invalid("Invalid attendee response status.",
                                 location="attendees.responseStatus")
        cleaned.append(person)
    return cleaned


def _clean_extended(props: object) -> dict:
    """Google's documented limits: longer keys are dropped, longer values truncated."""
    if not isinstance(props, dict):
        raise errors.invalid("Invalid value for: extendedProperties")
    out = {}
    for scope in ("private", "shared"):
        values = props.get(scope)
        if isinstance(values, dict):
            out[scope] = {str(k): str(v)[:EXT_VALUE_MAX] for k, v in values.items()
                          if len(str(k)) <= EXT_KEY_MAX and v is not None}
    return out
