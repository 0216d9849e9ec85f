"""calendarList.list / get, calendars.get, colors.get (writes: ``calendar_writes``)."""

from __future__ import annotations

from . import errors, listing, tokens
from .call import Call
from .state import ROLES, Account, Calendar, ListEntry, World

CALENDAR_COLORS = (
    "#ac725e", "#d06b64", "#f83a22", "#fa573c", "#ff7537", "#ffad46", "#42d692", "#16a765",
    "#7bd148", "#b3dc6c", "#fbe983", "#fad165", "#92e1c0", "#9fe1e7", "#9fc6e7", "#4986e7",
    "#9a9cff", "#b99aff", "#c2c2c2", "#cabdbf", "#cca6ac", "#f691b2", "#cd74e6", "#a47ae2",
)
EVENT_COLORS = ("#a4bdfc", "#7ae7bf", "#dbadff", "#ff887c", "#fbd75b", "#ffb878", "#46d6db",
                "#e1e1e1", "#5484ed", "#51b749", "#dc2127")
FOREGROUND = "#1d1d1d"
DEFAULT_LIST_PAGE, MAX_LIST_PAGE = 100, 250


def entry_resource(world: World, account: Account, entry: ListEntry) -> dict:
    calendar = world.calendars[entry.calendar_id]
    if entry.deleted:
        return {"kind": "calendar#calendarListEntry", "etag": entry.etag,
                "id": calendar.id, "deleted": True}
    color_id = entry.color_id or calendar.default_color_id
    out = {"kind": "calendar#calendarListEntry", "etag": entry.etag, "id": calendar.id,
           "summary": calendar.summary}
    if calendar.description:
        out["description"] = calendar.description
    if calendar.location:
        out["location"] = calendar.location
    if entry.summary_override:
        out["summaryOverride"] = entry.summary_override
    out.update({
        "timeZone": calendar.time_zone, "colorId": color_id,
        "backgroundColor": entry.background_color or CALENDAR_COLORS[int(color_id) - 1],
        "foregroundColor": entry.foreground_color or FOREGROUND,
    })
    if entry.hidden:
        out["hidden"] = True
    if entry.selected:
        out["selected"] = True
    out["accessRole"] = calendar.acl.get(account.email, "none")
    out["defaultReminders"] = list(entry.default_reminders)
    if calendar.acl.get(account.email) == "owner":
        out["notificationSettings"] = {"notifications": [
            {"type": t, "method": "email"} for t in
            ("eventCreation", "eventChange", "eventCancellation", "eventResponse")]}
    if calendar.id == account.email:
        out["primary"] = True
    if calendar.owner != account.email:
        out["dataOwner"] = calendar.owner
    out["conferenceProperties"] = {"allowedConferenceSolutionTypes": ["hangoutsMeet"]}
    return out


def list_entries(call: Call) -> dict:
    world, account = call.world, call.account
    with world.lock:
        syncing = call.has("syncToken")
        if syncing and (call.has("minAccessRole") or call.has("showOwnOrganizationOnly")):
            raise errors.invalid("Parameter minAccessRole cannot be combined with syncToken.",
                                 location="syncToken")
        since = (listing.read_sync_token(call, "calendarList", account.email, account.list_seq,
                                         account.list_epoch) if syncing else None)
        page = listing.read_page_token(call)
        high_water = page["hw"] if page else account.list_seq
        limit = call.integer("maxResults", DEFAULT_LIST_PAGE, 1, MAX_LIST_PAGE)
        show_deleted, show_hidden = call.flag("showDeleted"), call.flag("showHidden")
        min_role = call.get("minAccessRole")
        if min_role is not None and min_role not in ROLES:
            raise errors.invalid_parameter("minAccessRole", min_role)
        keyed = []
        for entry in account.calendar_list.values():
            if since is not None:
                if not since < entry.seq <= high_water:
                    continue
            else:
                if entry.deleted and not show_deleted or entry.hidden and not show_hidden:
                    continue
                role = world.calendars[entry.calendar_id].acl.get(account.email)
                if min_role and (role is None or ROLES.index(role) < ROLES.index(min_role)):
                    continue
            keyed.append(([entry.calendar_id], entry_resource(world, account, entry)))
        items, next_page = listing.paginate(keyed, page, limit, {"hw": high_water},
                                            tokens.query_fingerprint(call.params))
        out = {"kind": "calendar#calendarList", "etag": f'"p{account.list_seq:08x}"'}
        if next_page:
            out["nextPageToken"] = next_page
        else:
            out["nextSyncToken"] = listing.mint_sync_token(
                "calendarList", account.email, high_water, account.list_epoch)
        out["items"] = items
    return out


def _entry(call: Call, calendar_id: str) -> ListEntry:
    if calendar_id == "primary":
        calendar_id = call.account.email
    entry = call.account.calendar_list.get(calendar_id)
    if entry is None or entry.deleted:
        raise errors.not_found()
    return entry


def get_entry(call: Call, calendarId: str) -> dict:
    with call.world.lock:
        return entry_resource(call.world, call.account, _entry(call, calendarId))


def calendar_resource(calendar: Calendar) -> dict:
    out = {"kind": "calendar#calendar", "etag": calendar.etag, "id": calendar.id,
           "summary": calendar.summary}
    if calendar.description:
        out["description"] = calendar.description
    if calendar.location:
        out["location"] = calendar.location
    out["timeZone"] = calendar.time_zone
    if calendar.owner != calendar.id:
        out["dataOwner"] = calendar.owner
    out["conferenceProperties"] = {"allowedConferenceSolutionTypes": ["hangoutsMeet"]}
    return out


def get_calendar(call: Call, calendarId: str) -> dict:
    with call.world.lock:
        calendar, role = call.calendar(calendarId)
        if role == "freeBusyReader":
            return {"kind": "calendar#calendar", "etag": calendar.etag, "id": calendar.id,
                    "summary": calendar.id, "timeZone": calendar.time_zone}
        return calendar_resource(calendar)


def colors(call: Call) -> dict:
    def palette(values: tuple[str, ...]) -> dict:
        return {str(i): {"background": c, "foreground": FOREGROUND}
                for i, c in enumerate(values, 1)}
    return {"kind": "calendar#colors", "updated": "2012-02-14T00:00:00.000Z",
            "calendar": palette(CALENDAR_COLORS), "event": palette(EVENT_COLORS)}


