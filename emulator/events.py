"""events.get / insert / import / update / patch / delete (single resources).

Lists and instances are in ``listing``. Every write replaces the stored resource dict with a
new one (never mutated in place), so a rendered dict can be serialised outside the lock.
"""

from __future__ import annotations

import base64
import datetime as dt

from . import errors, recurrence, render, times, validation
from .call import Call, Reply
from .state import Calendar, EventRecord, new_etag, new_id

# Google's field order on the wire (reference page order).
FIELD_ORDER = (
    "kind", "etag", "id", "status", "htmlLink", "created", "updated", "summary", "description",
    "location", "colorId", "creator", "organizer", "start", "end", "endTimeUnspecified",
    "recurrence", "recurringEventId", "originalStartTime", "transparency", "visibility",
    "iCalUID", "sequence", "attendees", "attendeesOmitted", "extendedProperties", "hangoutLink",
    "conferenceData", "gadget", "anyoneCanAddSelf", "guestsCanInviteOthers", "guestsCanModify",
    "guestsCanSeeOtherGuests", "privateCopy", "locked", "reminders", "source",
    "workingLocationProperties", "outOfOfficeProperties", "focusTimeProperties",
    "birthdayProperties", "attachments", "eventType",
)
# Changing any of these is a change the attendees would see: bump ``sequence``.
SIGNIFICANT = ("start", "end", "recurrence", "location", "summary", "status")
IMMUTABLE = ("id", "recurringEventId", "originalStartTime", "iCalUID", "created", "creator",
             "organizer", "eventType", "kind")


def ordered(resource: dict) -> dict:
    out = {k: resource[k] for k in FIELD_ORDER if k in resource}
    out.update((k, v) for k, v in resource.items() if k not in out)
    return out


def store(calendar: Calendar, resource: dict, record: EventRecord | None = None) -> EventRecord:
    """Write a resource into the calendar's change log."""
    resource = _with_hangout_link(resource)
    seq = calendar.bump()
    if record is None:
        record = EventRecord(resource=resource, seq=seq, order=calendar.next_order())
        calendar.events[resource["id"]] = record
    else:
        record.resource, record.seq = resource, seq
    record.start_utc, record.end_utc = render.bounds(resource, calendar)
    return record


def _with_hangout_link(resource: dict) -> dict:
    """``hangoutLink`` (read-only) follows a Google Meet conference's video entry point."""
    data = resource.get("conferenceData")
    data = data if isinstance(data, dict) else {}
    video = [e.get("uri") for e in data.get("entryPoints", []) if isinstance(e, dict)
             and e.get("entryPointType") == "video" and e.get("uri")]
    meet = ((data.get("conferenceSolution") or {}).get("key") or {}).get("type") == "hangoutsMeet"
    out = {k: v for k, v in resource.items() if k != "hangoutLink"}
    if meet and video:
        out["hangoutLink"] = video[0]
    return ordered(out)


def find(calendar: Calendar, event_id: str) -> tuple[EventRecord | None, dict]:
    """The stored record, or (None, virtual instance) for an unmodified instance id."""
    record = calendar.events.get(event_id)
    if record is not None:
        return record, record.resource
    parsed = recurrence.parse_instance_id(event_id)
    master = calendar.events.get(parsed[0]) if parsed else None
    if master and master.is_master and not master.cancelled:
        first = render.series_start(master.resource, calendar)
        original = parsed[1]
        if isinstance(first, dt.datetime) == isinstance(original, dt.datetime):
            if isinstance(first, dt.datetime):
                original = original.astimezone(first.tzinfo)
            if recurrence.is_occurrence(master.resource["recurrence"], first, original):
                return None, render.virtual_instance(master.resource, calendar, original)
    raise errors.not_found()


def _check_if_match(call: Call, current: dict) -> None:
    expected = call.headers.get("if-match")
    if expected and expected.strip() not in ("*", current["etag"]):
        raise errors.condition_not_met()


def _html_link(event_id: str, calendar_id: str) -> str:
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar_id}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def _clean(call: Call, body: object, calendar: Calendar, *, is_import: bool = False) -> dict:
    return validation.clean_event(
        body, calendar_zone=calendar.time_zone, is_primary=calendar.id == calendar.owner,
        conference_version=call.integer("conferenceDataVersion", 0, 0, 1),
        supports_attachments=call.flag("supportsAttachments"), is_import=is_import)


# --- handlers ----------------------------------------------------------------------------------

def get(call: Call, calendarId: str, eventId: str) -> Reply | dict:
    with call.world.lock:
        calendar, role = call.calendar(calendarId)
        _, resource = find(calendar, eventId)
    if call.headers.get("if-none-match") == resource["etag"]:
        return Reply(304)
    return render.for_role(resource, role)


def insert(call: Call, calendarId: str, *, is_import: bool = False) -> dict:
    with call.world.lock:
        calendar, _ = call.calendar(calendarId, need="writer")
        fields = _clean(call, call.body, calendar, is_import=is_import)
        body = call.body if isinstance(call.body, dict) else {}
        event_id = validation.check_client_id(body["id"]) if body.get("id") else new_id()
        if event_id in calendar.events:
            raise errors.duplicate()
        if is_import and not fields.get("iCalUID"):
            raise errors.required("Missing iCalUID.", location="iCalUID")
        ical_uid = fields.get("iCalUID") or f"{event_id}@google.com"
        if fields.get("iCalUID") and _uid_taken(calendar, ical_uid):
            raise errors.duplicate()
        stamp = times.format_timestamp(times.now())
        owner = call.world.accounts.get(calendar.owner)
        creator = {"email": call.account.email, "self": True}
        organizer = ({"email": calendar.id, "self": True} if calendar.id == calendar.owner else
                     {"email": calendar.id, "displayName": calendar.summary, "self": True})
        if owner and calendar.id == calendar.owner and owner.display_name:
            organizer["displayName"] = owner.display_name
        resource = {
            "kind": "calendar#event", "etag": new_etag(), "id": event_id, "status": "confirmed",
            "htmlLink": _html_link(event_id, calendar.id), "created": stamp, "updated": stamp,
            "creator": creator, "organizer": fields.pop("organizer", None) or organizer,
            "sequence": 0, "reminders": {"useDefault": True}, "eventType": "default",
        }
        resource.update(fields)
        resource["iCalUID"] = ical_uid
        record = store(calendar, ordered(resource))
    call.world.changed("events", calendar.id)
    return record.resource


def insert_invited_instance(call: Call, calendarId: str) -> dict:
    """An invitation to single occurrences of someone else's series, as Google delivers it
    (control API only): the instance ``<master>_<stamp>`` with ``recurringEventId`` and
    ``originalStartTime`` and the organizer's ``iCalUID``, while the master stays in the
    organizer's calendar. Several such instances share one iCalUID."""
    body = call.body if isinstance(call.body, dict) else {}
    for key in ("recurringEventId", "originalStartTime", "iCalUID", "organizer"):
        if not body.get(key):
            raise errors.required(f"Missing {key}.", location=key)
    with call.world.lock:
        calendar, _ = call.calendar(calendarId, need="writer")
        fields = _clean(call, {k: v for k, v in body.items() if k != "recurrence"}, calendar,
                        is_import=True)
        original = validation.normalise_edt(body["originalStartTime"], "originalStartTime",
                                            calendar.time_zone)
        event_id = recurrence.instance_id(
            body["recurringEventId"], times.event_start_value(original, calendar.time_zone))
        if event_id in calendar.events:
            raise errors.duplicate()
        stamp = times.format_timestamp(times.now())
        resource = {
            "kind": "calendar#event", "etag": new_etag(), "id": event_id, "status": "confirmed",
            "htmlLink": _html_link(event_id, calendar.id), "created": stamp, "updated": stamp,
            "creator": fields["organizer"], "sequence": 0, "reminders": {"useDefault": True},
            "eventType": "default", "recurringEventId": body["recurringEventId"],
            "originalStartTime": original,
        }
        resource.update(fields)
        record = store(calendar, ordered(resource))
    call.world.changed("events", calendar.id)
    return record.resource


def _uid_taken(calendar: Calendar, ical_uid: str) -> bool:
    return any(r.resource.get("iCalUID") == ical_uid and not r.cancelled and not r.is_exception
               for r in calendar.events.values())


def import_(call: Call, calendarId: str) -> dict:
    return insert(call, calendarId, is_import=True)


def update(call: Call, calendarId: str, eventId: str, *, patch: bool = False) -> dict:
    with call.world.lock:
        calendar, _ = call.calendar(calendarId, need="writer")
        record, current = find(calendar, eventId)
        if record is not None and record.cancelled and not record.is_exception:
            raise errors.forbidden()        # Google refuses to edit a deleted event
        _check_if_match(call, current)
        if not isinstance(call.body, dict):
            raise errors.parse_error()
        body = _merge(current, call.body) if patch else call.body
        if body.get("eventType", current.get("eventType", "default")) != current.get(
                "eventType", "default"):
            raise errors.invalid("The event type cannot be changed.", location="eventType")
        if "recurringEventId" in current:
            body = {k: v for k, v in body.items() if k != "recurrence"}
        fields = _clean(call, body, calendar)
        resource = {k: current[k] for k in IMMUTABLE if k in current}
        resource.update({k: current[k] for k in ("htmlLink",) if k in current})
        # A client that does not declare conference/attachment support has them ignored in
        # its body, never deleted (Google: "Version 0 ... ignores conference data").
        if call.integer("conferenceDataVersion", 0, 0, 1) < 1 and "conferenceData" in current:
            resource["conferenceData"] = current["conferenceData"]
        if not call.flag("supportsAttachments") and "attachments" in current:
            resource["attachments"] = current["attachments"]
        resource.update({k: v for k, v in fields.items() if k not in IMMUTABLE})
        resource.setdefault("status", "confirmed")
        resource.setdefault("reminders", {"useDefault": True})
        resource["sequence"] = _next_sequence(current, fields, call.body)
        resource["etag"] = new_etag()
        resource["updated"] = current.get("updated", times.format_timestamp(times.now()))
        if _main_data_changed(current, resource):
            resource["updated"] = times.format_timestamp(times.now())
        record = store(calendar, ordered(resource), record)
    call.world.changed("events", calendar.id)
    return record.resource


def patch(call: Call, calendarId: str, eventId: str) -> dict:
    return update(call, calendarId, eventId, patch=True)


def _merge(current: dict, change: dict) -> dict:
    """Patch semantics: objects merge recursively, arrays and EventDateTimes are replaced."""
    out = dict(current)
    for key, value in change.items():
        if (isinstance(value, dict) and isinstance(out.get(key), dict)
                and key not in ("start", "end", "originalStartTime")):
            out[key] = {k: v for k, v in _merge(out[key], value).items() if v is not None}
        else:
            out[key] = value
    return out


def _next_sequence(current: dict, fields: dict, sent: dict) -> int:
    old = current.get("sequence", 0)
    new = sent.get("sequence", old) if isinstance(sent.get("sequence"), int) else old
    if new < old:
        raise errors.invalid("Invalid sequence value. The specified sequence number is below "
                             "the current sequence number of the resource.", location="sequence")
    if new == old and any(fields.get(k) != current.get(k) for k in SIGNIFICANT
                          if k in fields or k in current):
        new = old + 1
    return new


def _main_data_changed(old: dict, new: dict) -> bool:
    """Google keeps ``updated`` when only the (per-user) reminders changed."""
    ignore = {"etag", "updated", "reminders", "sequence"}
    keys = (old.keys() | new.keys()) - ignore
    return any(old.get(k) != new.get(k) for k in keys)


def delete(call: Call, calendarId: str, eventId: str) -> Reply:
    with call.world.lock:
        calendar, _ = call.calendar(calendarId, need="writer")
        record, current = find(calendar, eventId)
        if record is not None and record.cancelled:
            raise errors.deleted()
        _check_if_match(call, current)
        _cancel(calendar, record, current)
        if record is not None and record.is_master:
            for exception in calendar.exceptions_of(record.id):
                if not exception.cancelled:
                    _cancel(calendar, exception, exception.resource)
    call.world.changed("events", calendar.id)
    return Reply(204)


def _cancel(calendar: Calendar, record: EventRecord | None, current: dict) -> None:
    stamp = times.format_timestamp(times.now())
    resource = dict(current, status="cancelled", etag=new_etag(), updated=stamp)
    store(calendar, ordered(resource), record)
