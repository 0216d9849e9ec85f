"""calendars.insert / update / patch / delete and calendarList.insert / update / delete.

A calendar's own fields (summary, description, location, timeZone) change only for its owner
and show in every subscriber's list entry; a list entry holds the subscriber's own settings
(summaryOverride, colour, visibility). The primary calendar can be neither deleted nor removed
from its owner's list.
"""

from __future__ import annotations

import re

from . import errors, times
from .calendars import calendar_resource, entry_resource
from .call import Call
from .state import ListEntry, new_etag, new_id

CALENDAR_FIELDS = (("summary", "summary"), ("description", "description"),
                   ("location", "location"), ("timeZone", "time_zone"))
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
ENTRY_FIELDS = (("summaryOverride", "summary_override"), ("hidden", "hidden"),
                ("selected", "selected"), ("defaultReminders", "default_reminders"))


def _body(call: Call) -> dict:
    if not isinstance(call.body, dict):
        raise errors.parse_error()
    return call.body


def _calendar_values(body: dict, *, full: bool) -> dict:
    """The writable calendar fields of a body, checked; ``full`` (insert, update) resets what
    is left out. A title is always required."""
    values = {}
    for key, attr in CALENDAR_FIELDS:
        if key not in body and not full:
            continue
        value = body.get(key)
        if value is None:
            value = "UTC" if key == "timeZone" else ""
        if not isinstance(value, str):
            raise errors.invalid(f"Invalid value for: {key}", location=key)
        values[attr] = value
    if "summary" in values and not values["summary"].strip():
        raise errors.required("Missing title.", location="summary")
    if "time_zone" in values:
        times.zone(values["time_zone"])       # 400 for an unknown zone
    return values


def insert_calendar(call: Call) -> dict:
    """A new secondary calendar owned by the caller, added to the caller's list."""
    values = _calendar_values(_body(call), full=True)
    with call.world.lock:
        calendar_id = f"{new_id(26)}@group.calendar.google.com"
        calendar = call.world.add_calendar(calendar_id, owner=call.account.email,
                                           summary=values["summary"],
                                           time_zone=values["time_zone"])
        calendar.description, calendar.location = values["description"], values["location"]
        out = calendar_resource(calendar)
    call.world.changed("calendarList", call.account.email)
    return out


def update_calendar(call: Call, calendarId: str, *, patch: bool = False) -> dict:
    values = _calendar_values(_body(call), full=not patch)
    with call.world.lock:
        calendar, _ = call.calendar(calendarId, need="owner")
        for attr, value in values.items():
            setattr(calendar, attr, value)
        calendar.etag = new_etag()
        subscribers = _touch_entries(call, calendar.id)
        out = calendar_resource(calendar)
    for email in subscribers:
        call.world.changed("calendarList", email)
    return out


def patch_calendar(call: Call, calendarId: str) -> dict:
    return update_calendar(call, calendarId, patch=True)


def delete_calendar(call: Call, calendarId: str) -> None:
    """Delete an owned secondary calendar with all its events; every subscriber loses it."""
    with call.world.lock:
        calendar, _ = call.calendar(calendarId, need="owner")
        if calendar.id == calendar.owner:
            raise errors.bad_request("Cannot delete primary calendar.")
        subscribers = list(calendar.acl)
        for email in subscribers:
            call.world.share(calendar, email, None)
        del call.world.calendars[calendar.id]
    for email in subscribers:
        call.world.changed("calendarList", email)


def _touch_entries(call: Call, calendar_id: str) -> list[str]:
    """A calendar's own fields changed: each subscriber's entry gets a new etag. (Google does
    not report such entries to an incremental calendarList sync; only the etag changes.)"""
    touched = []
    for email, account in call.world.accounts.items():
        entry = account.calendar_list.get(calendar_id)
        if entry is not None and not entry.deleted:
            entry.etag = new_etag()
            touched.append(email)
    return touched


# --- calendarList ------------------------------------------------------------------------------

def insert_entry(call: Call) -> dict:
    """Subscribe to a calendar the caller has access to (by id)."""
    body = _body(call)
    calendar_id = body.get("id")
    if not isinstance(calendar_id, str) or not calendar_id:
        raise errors.required("Required", location="id")
    with call.world.lock:
        calendar = call.world.calendars.get(calendar_id)
        if calendar is None or call.account.email not in calendar.acl:
            raise errors.not_found()
        entry = call.account.calendar_list.get(calendar_id)
        if entry is None or entry.deleted:
            entry = call.account.calendar_list[calendar_id] = ListEntry(
                calendar_id=calendar_id, seq=call.account.bump_list())
        _apply_entry(call, entry, body, full=False)
        out = entry_resource(call.world, call.account, entry)
    call.world.changed("calendarList", call.account.email)
    return out


def update_entry(call: Call, calendarId: str) -> dict:
    """calendarList.update: the entry's user settings replaced by the body's."""
    body = _body(call)
    with call.world.lock:
        entry = _live_entry(call, calendarId)
        _apply_entry(call, entry, body, full=True)
        out = entry_resource(call.world, call.account, entry)
    call.world.changed("calendarList", call.account.email)
    return out


def patch_entry(call: Call, calendarId: str) -> dict:
    body = _body(call)
    with call.world.lock:
        entry = _live_entry(call, calendarId)
        _apply_entry(call, entry, body, full=False)
        out = entry_resource(call.world, call.account, entry)
    call.world.changed("calendarList", call.account.email)
    return out


def delete_entry(call: Call, calendarId: str) -> None:
    """Unsubscribe: the calendar leaves the caller's list (access rights stay)."""
    with call.world.lock:
        entry = _live_entry(call, calendarId)
        if entry.calendar_id == call.account.email:
            raise errors.bad_request("Cannot remove primary calendar from calendar list.")
        entry.deleted = True
        entry.seq = call.account.bump_list()
        entry.etag = new_etag()
    call.world.changed("calendarList", call.account.email)


def _live_entry(call: Call, calendar_id: str) -> ListEntry:
    if calendar_id == "primary":
        calendar_id = call.account.email
    entry = call.account.calendar_list.get(calendar_id)
    if entry is None or entry.deleted:
        raise errors.not_found()
    return entry


def _apply_entry(call: Call, entry: ListEntry, body: dict, *, full: bool) -> None:
    """Set a list entry's user settings. RGB colours are honoured only with
    ``colorRgbFormat=true`` (then both must be #rrggbb); otherwise they are ignored."""
    rgb = call.flag("colorRgbFormat")
    if "colorId" in body:
        if body["colorId"] not in [str(n) for n in range(1, 25)]:
            raise errors.invalid("Invalid value for: colorId", location="colorId")
        entry.color_id = body["colorId"]
        entry.background_color = entry.foreground_color = None
    elif full:
        entry.color_id = None
    if rgb:
        for key in ("backgroundColor", "foregroundColor"):
            if key in body and not (isinstance(body[key], str) and HEX_COLOR.fullmatch(body[key])):
                raise errors.invalid(f"Invalid value for: {key}", location=key)
        if "backgroundColor" in body:
            entry.background_color = body["backgroundColor"].lower()
        if "foregroundColor" in body:
            entry.foreground_color = body["foregroundColor"].lower()
    for key, attr in ENTRY_FIELDS:
        if key in body:
            setattr(entry, attr, body[key])
        elif full:
            setattr(entry, attr, {"hidden": False, "selected": True,
                                  "defaultReminders": []}.get(key))
    entry.seq = call.account.bump_list()
    entry.etag = new_etag()
