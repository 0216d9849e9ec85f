"""events.list and events.instances: filters, expansion, paging over a snapshot, sync tokens.

Paging works over a key-ordered list: the page token remembers the last key served plus the
change-log high-water mark captured on the first page. Anything changed after that mark is
left for the next incremental list, so nothing is lost between pages; ``nextSyncToken`` comes
only on the last page.
"""

from __future__ import annotations

import datetime as dt
import time

from . import errors, render, times, tokens
from .call import Call
from .state import Calendar, EventRecord

MAX_PAGE = 2500
DEFAULT_PAGE = 250
FORBIDDEN_WITH_SYNC_TOKEN = ("iCalUID", "orderBy", "privateExtendedProperty", "q",
                             "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin")


# --- tokens --------------------------------------------------------------------------------------

def mint_sync_token(kind: str, key: str, seq: int, epoch: int) -> str:
    return tokens.encode({"k": kind, "c": key, "s": seq, "e": epoch, "t": int(time.time())})


def read_sync_token(call: Call, kind: str, key: str, seq: int, epoch: int) -> int:
    """The change-log position a sync token stands for, or 410 fullSyncRequired."""
    payload = tokens.decode(call.get("syncToken") or "")
    ttl = call.world.sync_token_ttl.total_seconds()
    if (not payload or payload.get("k") != kind or payload.get("c") != key
            or payload.get("e") != epoch or not isinstance(payload.get("s"), int)
            or payload["s"] > seq or time.time() - payload.get("t", 0) > ttl):
        raise errors.full_sync_required()
    return payload["s"]


def read_page_token(call: Call) -> dict | None:
    text = call.get("pageToken")
    if text is None:
        return None
    payload = tokens.decode(text)
    if not payload or payload.get("q") != tokens.query_fingerprint(call.params):
        raise errors.invalid("Invalid page token value.", location="pageToken")
    return payload


def paginate(keyed: list[tuple[list, dict]], page: dict | None, limit: int,
             state: dict, fingerprint: str) -> tuple[list[dict], str | None]:
    """Sort, resume after the last key served, cut a page; returns (items, nextPageToken)."""
    keyed.sort(key=lambda pair: pair[0])
    if page is not None:
        last = page["last"]
        keyed = [pair for pair in keyed if pair[0] > last]
    items = keyed[:limit]
    if len(keyed) <= limit:
        return [item for _, item in items], None
    token = tokens.encode(dict(state, q=fingerprint, last=items[-1][0]))
    return [item for _, item in items], token


# --- events.list ---------------------------------------------------------------------------------

def list_events(call: Call, calendarId: str) -> dict:
    with call.world.lock:
        calendar, role = call.calendar(calendarId)
        syncing = call.has("syncToken")
        if syncing:
            bad = [name for name in FORBIDDEN_WITH_SYNC_TOKEN if call.has(name)]
            if bad:
                raise errors.invalid(f"Parameter {bad[0]} cannot be combined with syncToken.",
                                     location=bad[0])
        limit = call.integer("maxResults", DEFAULT_PAGE, 1, MAX_PAGE)
        single = call.flag("singleEvents") or role == "freeBusyReader"
        order_by = call.get("orderBy")
        if order_by not in (None, "startTime", "updated"):
            raise errors.invalid_parameter("orderBy", order_by)
        if order_by == "startTime" and not single:
            raise errors.bad_request(
                "The requested ordering is not available for the particular query.")
        page = read_page_token(call)
        since = (read_sync_token(call, "events", calendar.id, calendar.seq, calendar.epoch)
                 if syncing else None)
        high_water = page["hw"] if page else calendar.seq
        query = _Query(call, calendar, since=since, high_water=high_water, single=single)
        keyed = query.collect(order_by)
        items, next_page = paginate(keyed, page, limit, {"hw": high_water},
                                    tokens.query_fingerprint(call.params))
        entry = call.account.calendar_list.get(calendar.id)
        out = {
            "kind": "calendar#events", "etag": f'"p{calendar.epoch:x}{calendar.seq:08x}"',
            "summary": calendar.summary, "description": calendar.description,
            "updated": times.format_timestamp(calendar.updated), "timeZone": calendar.time_zone,
            "accessRole": role,
            "defaultReminders": list(entry.default_reminders) if entry else [],
        }
        if next_page:
            out["nextPageToken"] = next_page
        elif order_by != "startTime":       # Google mints no token for startTime ordering
            out["nextSyncToken"] = mint_sync_token("events", calendar.id, high_water,
                                                   calendar.epoch)
        out["items"] = [_shape(item, role, call) for item in items]
    return out


def _shape(item: dict, role: str, call: Call) -> dict:
    item = render.for_role(item, role)
    max_attendees = call.get("maxAttendees")
    if max_attendees and len(item.get("attendees", ())) > int(max_attendees):
        own = [a for a in item["attendees"] if a.get("email") == call.account.email]
        item = dict(item, attendees=own, attendeesOmitted=True)
    return item


class _Query:
    """One events.list query's filters, applied to stored records."""

    def __init__(self, call: Call, calendar: Calendar, *, since: int | None, high_water: int,
                 single: bool):
        self.calendar = calendar
        self.since, self.high_water, self.single = since, high_water, single
        self.show_deleted = call.flag("showDeleted")
        self.time_min, self.time_max = call.timestamp("timeMin"), call.timestamp("timeMax")
        if self.time_min and self.time_max and self.time_min >= self.time_max:
            raise errors.time_range_empty()
        self.updated_min = call.timestamp("updatedMin")
        self.ical_uid = call.get("iCalUID")
        self.text = (call.get("q") or "").lower() or None
        self.event_types = set(call.all("eventTypes"))
        self.private = [_pair(p) for p in call.all("privateExtendedProperty")]
        self.shared = [_pair(p) for p in call.all("sharedExtendedProperty")]

    def collect(self, order_by: str | None) -> list[tuple[list, dict]]:
        out = []
        events = self.calendar.events
        for record in list(events.values()):
            if not self._wanted(record):
                continue
            if self.single and record.is_master:
                # Instances stand in for their series; a deleted series shows as cancelled
                # instances (to sync clients and with showDeleted), never as the master.
                if record.cancelled and self.since is None and not self.show_deleted:
                    continue
                for item in render.expand_series(
                        self.calendar, record, after=self.time_min, before=self.time_max,
                        include_cancelled=self.show_deleted or self.since is not None):
                    out.append((self._key(record, item, order_by), self._present(item)))
                continue
            if self.single and record.is_exception:
                master = events.get(record.resource["recurringEventId"])
                if master and self._wanted(master):
                    continue    # already served by the master's expansion
            if not self._in_range(record):
                continue
            out.append((self._key(record, record.resource, order_by),
                        self._present(record.resource)))
        return out

    def _wanted(self, record: EventRecord) -> bool:
        res = record.resource
        if self.since is not None:
            return self.since < record.seq <= self.high_water and self._type_ok(res)
        if self.updated_min is not None:
            if times.parse_datetime(res["updated"], field="updated") < self.updated_min:
                return False
        elif record.cancelled and not self.show_deleted:
            if not record.is_exception or self.single:
                return False
            master = self.calendar.events.get(res["recurringEventId"])
            if master is None or master.cancelled:
                return False
        if self.ical_uid is not None and res.get("iCalUID") != self.ical_uid:
            return False
        if self.text is not None and self.text not in _searchable(res):
            return False
        ext = res.get("extendedProperties", {})
        if any(ext.get("private", {}).get(k) != v for k, v in self.private):
            return False
        if any(ext.get("shared", {}).get(k) != v for k, v in self.shared):
            return False
        return self._type_ok(res)

    def _type_ok(self, res: dict) -> bool:
        return not self.event_types or res.get("eventType", "default") in self.event_types

    def _in_range(self, record: EventRecord) -> bool:
        if self.time_min is None and self.time_max is None:
            return True
        if record.is_master:
            return bool(render.expand_series(self.calendar, record, after=self.time_min,
                                             before=self.time_max, include_cancelled=False))
        if record.start_utc is None:
            return True
        if self.time_max is not None and record.start_utc >= self.time_max:
            return False
        return self.time_min is None or record.end_utc > self.time_min

    def _present(self, item: dict) -> dict:
        if item.get("status") == "cancelled" and not self.show_deleted and (
                self.since is not None or self.updated_min is not None):
            return render.minimal(item)
        return item

    def _key(self, record: EventRecord, item: dict, order_by: str | None) -> list:
        start = _start_key(item, self.calendar)
        if order_by == "startTime":
            return [start, item["id"]]
        if order_by == "updated":
            return [item.get("updated", ""), item["id"]]
        return [record.order, start, item["id"]]


def _start_key(item: dict, calendar: Calendar) -> str:
    edt = item.get("start") or item.get("originalStartTime")
    return times.instant(edt, calendar.time_zone).isoformat() if edt else ""


def _pair(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    return name, value


def _searchable(res: dict) -> str:
    parts = [res.get("summary", ""), res.get("description", ""), res.get("location", "")]
    for person in res.get("attendees", []) + [res.get("organizer") or {}]:
        parts += [person.get("email", ""), person.get("displayName", "")]
    return "\n".join(parts).lower()


# --- events.instances ------------------------------------------------------------------------

def instances(call: Call, calendarId: str, eventId: str) -> dict:
    with call.world.lock:
        calendar, role = call.calendar(calendarId)
        master = calendar.events.get(eventId)
        if master is None:
            raise errors.not_found()
        if master.cancelled and not master.is_exception:
            raise errors.deleted()
        limit = call.integer("maxResults", DEFAULT_PAGE, 1, MAX_PAGE)
        show_deleted = call.flag("showDeleted")
        time_min, time_max = call.timestamp("timeMin"), call.timestamp("timeMax")
        if master.is_master:
            items = render.expand_series(calendar, master, after=time_min, before=time_max,
                                         include_cancelled=show_deleted, end_inclusive=True)
        else:
            items = [master.resource]
        original = call.timestamp("originalStart")
        if original is not None:
            items = [i for i in items if "originalStartTime" in i and times.instant(
                i["originalStartTime"], calendar.time_zone) == original.astimezone(dt.timezone.utc)]
        page = read_page_token(call)
        keyed = [([_start_key(i, calendar), i["id"]], i) for i in items]
        page_items, next_page = paginate(keyed, page, limit, {},
                                         tokens.query_fingerprint(call.params))
        out = {"kind": "calendar#events", "etag": f'"p{calendar.seq:08x}"',
               "summary": calendar.summary, "updated": times.format_timestamp(calendar.updated),
               "timeZone": calendar.time_zone, "accessRole": role, "defaultReminders": []}
        if next_page:
            out["nextPageToken"] = next_page
        out["items"] = [render.for_role(i, role) for i in page_items]
    return out
