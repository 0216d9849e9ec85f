"""events.move: an event (a series with its exceptions) changes calendar and organizer.

It keeps its id and iCalUID; the source calendar keeps a cancelled stub (incremental syncs of
the source see the event leave), the destination gets it as a new change. Instances and
special event types cannot be moved; the caller needs writer access on both calendars.
"""

from __future__ import annotations

from . import errors, times
from .call import Call
from .events import find, ordered, store
from .state import new_etag


def move(call: Call, calendarId: str, eventId: str) -> dict:
    destination_id = call.get("destination")
    if not destination_id:
        raise errors.required("Required parameter: destination", location="destination")
    with call.world.lock:
        source, _ = call.calendar(calendarId, need="writer")
        target, _ = call.calendar(destination_id, need="writer")
        record, resource = find(source, eventId)
        if record is None or record.cancelled:
            raise errors.not_found()
        if record.is_exception:
            raise errors.bad_request("Cannot change the organizer of an instance.")
        if resource.get("eventType", "default") != "default":
            raise errors.bad_request("This event type cannot be moved.")
        if source is target:
            return record.resource
        if eventId in target.events and not target.events[eventId].cancelled:
            raise errors.duplicate()
        moved = [record] + [e for e in source.exceptions_of(record.id) if not e.cancelled]
        stamp = times.format_timestamp(times.now())
        organizer = {"email": target.id, "displayName": target.summary, "self": True}
        for old in moved:
            changed = dict(old.resource, etag=new_etag(), updated=stamp, organizer=organizer)
            store(target, ordered(changed), target.events.get(old.id))
            store(source, ordered(dict(old.resource, status="cancelled", etag=new_etag(),
                                       updated=stamp)), old)
        out = target.events[record.id].resource
    call.world.changed("events", source.id)
    call.world.changed("events", target.id)
    return out
