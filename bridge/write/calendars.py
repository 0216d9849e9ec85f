"""Calendar-level client writes → Google: properties (PROPPATCH), new calendars (MKCALENDAR),
deleting or unsubscribing (DELETE of a collection) and moving an event between calendars.

Where each property goes:

* name: the calendar's own title (``calendars.patch summary``) if the user owns it, else the
  user's ``summaryOverride`` in the calendar list;
* colour: the user's calendar list entry (RGB; Apple's ``#RRGGBBAA`` loses its alpha);
* description, time zone: the calendar itself if owned; otherwise (and for a time zone with
  no IANA name) kept locally, as is every other property (Apple's ``calendar-order``).

Each request either succeeds on Google and is then stored, or fails and changes nothing
(a list-entry change already made is undone when the calendar change after it fails).
"""

from __future__ import annotations

import logging
import re
from typing import Callable

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from .. import errors
from ..google import GoogleClient, GoogleError
from ..google import calendars as google_calendars
from ..model import Calendar, Item, Kind
from ..store import Store
from ..store import local_properties, slugs
from ..sync import SyncEngine
from ..translate.timezones import resolve_zone, zone_key
from .errors import from_google

log = logging.getLogger(__name__)

NAME, COLOR, DESCRIPTION, TIME_ZONE = "name", "color", "description", "time_zone"
GOOGLE_HELD = (NAME, COLOR, DESCRIPTION, TIME_ZONE)
COLOR_RE = re.compile(r"#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?")
TZID_RE = re.compile(r"^TZID:(.+?)\r?$", re.MULTILINE)
MAX_KEPT, MAX_KEPT_TEXT = 64, 65536         # per collection: a client cannot fill the store


def zone_of(calendar_timezone: str) -> str | None:
    """The IANA name of a ``calendar-timezone`` value (a VCALENDAR with one VTIMEZONE whose
    TZID is an IANA or Windows name); None for a custom zone."""
    match = TZID_RE.search(calendar_timezone.replace("\r\n ", "").replace("\n ", ""))
    tzid = match.group(1).strip() if match else ""
    zone = resolve_zone(WINDOWS_TO_OLSON.get(tzid, tzid))
    return zone_key(zone) if zone is not None else None


def google_colors(value: str) -> dict:
    """``backgroundColor``/``foregroundColor`` for a client's colour (readable text on it)."""
    match = COLOR_RE.fullmatch(value.strip())
    if not match:
        raise errors.Invalid(f"calendar-color: expected #RRGGBB or #RRGGBBAA, not {value!r}")
    rgb = match.group(1).lower()
    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    light = 0.299 * r + 0.587 * g + 0.114 * b > 150
    return {"backgroundColor": f"#{rgb}", "foregroundColor": "#000000" if light else "#ffffff"}


class CalendarWriter:
    def __init__(self, store: Store, engine: SyncEngine,
                 client_for: Callable[[int], GoogleClient], *, send_updates: str = "none",
                 allow_delete: bool = False):
        self.store, self.engine, self.client_for = store, engine, client_for
        self.send_updates, self.allow_delete = send_updates, allow_delete

    # --- properties ---------------------------------------------------------------------------

    def kept(self, calendar_id: int) -> dict:
        """What is kept locally: ``description``, ``time_zone`` (the client's text) and
        ``other`` ({property tag: text})."""
        key = local_properties.of_collection(calendar_id)
        return local_properties.read(self.store.engine, key)

    def set_properties(self, calendar_id: int, changes: dict[str, str | None],
                       other: dict[str, str | None]) -> None:
        """``changes``: GOOGLE_HELD names → new value (None: removed); ``other``: any other
        property tag → text (None: removed), kept locally."""
        account_id = self.store.calendar(calendar_id).account_id
        # The list lease first (the order list syncs take them in): a list sync that read
        # Google before this change would otherwise store the old values again.
        with self.store.leases.exclusive(Kind.CALENDAR_LIST, account_id), \
                self.store.leases.exclusive(Kind.EVENTS, calendar_id):
            calendar = self.store.calendar(calendar_id)
            if calendar.read_only:
                raise errors.ReadOnly("This calendar is shared with you read-only; its "
                                      "properties cannot be changed.")
            kept = self.kept(calendar_id)
            calendar_body, entry_body = self._bodies(calendar, changes, kept)
            _merge_other(kept, other)
            entry, theirs = self._send(calendar, calendar_body, entry_body)
            with self.store.write() as tx:
                values = _row_values(entry, theirs)
                if values:
                    tx.set_calendar(calendar_id, **values)
                tx.next_revision(calendar_id)       # clients' ctag shows the change
                local_properties.write(tx.conn, local_properties.of_collection(calendar_id), kept)
            if theirs and theirs.get("timeZone", calendar.time_zone) != calendar.time_zone:
                self.engine.rerender(calendar_id)   # floating times now mean another zone

    def _bodies(self, calendar: Calendar, changes: dict, kept: dict) -> tuple[dict, dict]:
        owned = calendar.access_role == "owner"
        calendar_body, entry_body = {}, {}
        for key, value in changes.items():
            if key == NAME and value and value != calendar.name:
                if owned:
                    calendar_body["summary"] = value
                    if calendar.summary_override:
                        entry_body["summaryOverride"] = None
                else:
                    entry_body["summaryOverride"] = value
            elif key == NAME and not value and calendar.summary_override:
                entry_body["summaryOverride"] = None
            elif key == COLOR and value:
                colors = google_colors(value)
                if colors["backgroundColor"] != (calendar.color or "").lower():
                    entry_body.update(colors)
            elif key == DESCRIPTION:
                if owned:
                    if (value or "") != calendar.description:
                        calendar_body["description"] = value or ""
                else:
                    _keep(kept, DESCRIPTION, value)
            elif key == TIME_ZONE:
                zone = zone_of(value) if value else None
                if owned and zone:
                    kept.pop(TIME_ZONE, None)
                    if zone != calendar.time_zone:
                        calendar_body["timeZone"] = zone
                else:
                    _keep(kept, TIME_ZONE, None if zone == calendar.time_zone else value)
        return calendar_body, entry_body

    def _send(self, calendar: Calendar, calendar_body: dict,
              entry_body: dict) -> tuple[dict | None, dict | None]:
        client = self.client_for(calendar.account_id)
        entry = theirs = None
        try:
            if entry_body:
                entry = google_calendars.patch_entry(client, calendar.google_id, entry_body)
            if calendar_body:
                theirs = google_calendars.patch(client, calendar.google_id, calendar_body)
        except GoogleError as exc:
            if entry is not None:
                self._undo_entry(client, calendar)
            raise _refused(exc) from None
        return entry, theirs

    def _undo_entry(self, client: GoogleClient, calendar: Calendar) -> None:
        body = {"summaryOverride": calendar.summary_override}
        if calendar.color:
            body.update(google_colors(calendar.color))
        try:
            google_calendars.patch_entry(client, calendar.google_id, body)
        except GoogleError as exc:
            log.error("could not undo a calendar list change of calendar %s: %s",
                      calendar.id, exc)

    # --- the calendar home ----------------------------------------------------------------------

    def home_properties(self, user: str) -> dict[str, str]:
        return local_properties.read(self.store.engine, local_properties.of_home(user))

    def set_home_properties(self, user: str, properties: dict[str, str]) -> None:
        """Replace what is kept of the user's calendar home (Apple's default alarms)."""
        kept: dict = {}
        _merge_other(kept, properties)
        with self.store.write() as tx:
            local_properties.write(tx.conn, local_properties.of_home(user), kept.get("other", {}))

    # --- new calendars ------------------------------------------------------------------------

    def create(self, user: str, slug: str, changes: dict[str, str | None],
               other: dict[str, str | None]) -> int:
        """A new Google calendar in the user's first linked account, served at ``slug``."""
        accounts = self.store.accounts(user)
        if not accounts:
            raise errors.NotFound("No Google account is linked to this user.")
        if self.store.calendar_by_slug(user, slug) is not None:
            raise errors.Conflict(f"A calendar already lives at {slug!r}.")
        account = accounts[0]
        name = changes.get(NAME) or slug
        body = {"summary": name, "description": changes.get(DESCRIPTION) or ""}
        zone = zone_of(changes[TIME_ZONE]) if changes.get(TIME_ZONE) else None
        if zone:
            body["timeZone"] = zone
        colors = google_colors(changes[COLOR]) if changes.get(COLOR) else None
        kept: dict = {}
        _merge_other(kept, other)
        # Under the account's list lease: a list sync that read Google before the insert
        # would otherwise forget the new calendar, or store it under a slug of its own.
        with self.store.leases.exclusive(Kind.CALENDAR_LIST, account.id):
            calendar_id = self._insert(account, slug, body, colors, kept)
        try:
            self.engine.sync_calendar(calendar_id)
        except GoogleError as exc:      # created; the next request's sync catches up
            log.warning("first sync of new calendar %s failed: %s", calendar_id, exc)
        return calendar_id

    def _insert(self, account, slug: str, body: dict, colors: dict | None, kept: dict) -> int:
        """``calendars.insert``, then the collection at ``slug``; undone at Google if it
        cannot be stored."""
        client = self.client_for(account.id)
        try:
            created = google_calendars.insert(client, body)
        except GoogleError as exc:
            raise _refused(exc) from None
        try:
            entry = google_calendars.patch_entry(client, created["id"], colors) if colors \
                else {}
            with self.store.write() as tx:
                calendar_id = tx.upsert_calendar(
                    account.id, account.user_id, created["id"], summary=created["summary"],
                    summary_override=None, description=created.get("description", ""),
                    time_zone=created.get("timeZone") or "UTC", access_role="owner",
                    color=entry.get("backgroundColor"), default_reminders="[]")
                if not slugs.claim(tx.conn, account.user_id, slug, calendar_id):
                    raise errors.Conflict(f"A calendar already lives at {slug!r}.")
                local_properties.write(tx.conn, local_properties.of_collection(calendar_id), kept)
        except (GoogleError, errors.BridgeError) as exc:
            self._undo_create(client, created["id"])
            raise _refused(exc) if isinstance(exc, GoogleError) else exc from None
        return calendar_id

    @staticmethod
    def _undo_create(client: GoogleClient, google_id: str) -> None:
        try:
            google_calendars.delete(client, google_id)
        except GoogleError as exc:
            log.error("could not remove a calendar whose creation failed halfway: %s", exc)

    # --- deleting -----------------------------------------------------------------------------

    def delete(self, calendar_id: int) -> None:
        """Delete an owned secondary calendar on Google, or unsubscribe from a shared one."""
        if not self.allow_delete:
            raise errors.Unsupported("Deleting calendars over CalDAV is switched off; delete "
                                     "it in Google Calendar (or set allow_calendar_delete = "
                                     "true in [storage]).")
        calendar = self.store.calendar(calendar_id)
        account = self.store.account(calendar.account_id)
        if calendar.google_id.lower() == account.email.lower():
            raise errors.Unsupported("The primary calendar of a Google account cannot be "
                                     "deleted.")
        client = self.client_for(calendar.account_id)
        # The list lease first (the order list syncs take them in): a list sync that read
        # Google before the delete would otherwise bring the calendar back.
        with self.store.leases.exclusive(Kind.CALENDAR_LIST, calendar.account_id), \
                self.store.leases.exclusive(Kind.EVENTS, calendar_id):
            try:
                if calendar.access_role == "owner":
                    google_calendars.delete(client, calendar.google_id)
                else:
                    google_calendars.unsubscribe(client, calendar.google_id)
            except GoogleError as exc:
                raise _refused(exc) from None
            with self.store.write() as tx:
                tx.forget_calendar(calendar_id)
                local_properties.write(tx.conn, local_properties.of_collection(calendar_id), {})

    # --- moving events ------------------------------------------------------------------------

    def move_event(self, calendar_id: int, href: str, to_calendar_id: int,
                   to_href: str) -> Item:
        """``events.move`` between two calendars of one Google account: the event keeps its
        Google id and UID and lands at ``to_href``."""
        source, target = self.store.calendar(calendar_id), self.store.calendar(to_calendar_id)
        if source.account_id != target.account_id:
            raise errors.Unsupported("The calendars belong to different Google accounts, "
                                     "between which Google cannot move events; copy the event "
                                     "(PUT) into the other calendar and delete it here.")
        if source.read_only or target.read_only:
            raise errors.ReadOnly("One of the calendars is shared with you read-only.")
        with self.store.leases.exclusive(Kind.EVENTS, calendar_id), \
                self.store.leases.exclusive(Kind.EVENTS, to_calendar_id):
            item = self.store.item(calendar_id, href)
            if item is None or item.deleted:
                raise errors.NotFound("No such event.")
            if self.store.has_uid(to_calendar_id, item.uid):
                raise errors.Conflict("An event with this UID already exists in the target "
                                      "calendar.", uid=item.uid)
            events = self.store.google_events_of(calendar_id, item.uid)
            master = next((e for e in events if "recurringEventId" not in e
                           and e.get("status") != "cancelled"), None)
            if master is None:
                raise errors.Unsupported("Google moves whole events only; this is an "
                                         "invitation to single occurrences.")
            try:
                moved = google_calendars.move_event(
                    self.client_for(source.account_id), source.google_id, master["id"],
                    target.google_id, send_updates=self.send_updates)
            except GoogleError as exc:
                raise _refused(exc) from None
            exceptions = [e for e in events if "recurringEventId" in e]
            kept = self.store.shadows(calendar_id, [item.uid]).get(item.uid)
            self.engine.store_removal(source, item.uid)
            self.engine.store_write(target, item.uid, [moved] + exceptions, kept, to_href)
            self.engine.settle(to_calendar_id)     # the moved exceptions' etags, organizer
        return self.store.item(to_calendar_id, to_href)


def _keep(kept: dict, key: str, value: str | None) -> None:
    if value:
        kept[key] = _checked(key, value)
    else:
        kept.pop(key, None)


def _merge_other(kept: dict, other: dict[str, str | None]) -> None:
    mine = dict(kept.get("other", {}))
    for key, value in other.items():
        if value is None:
            mine.pop(key, None)
        else:
            mine[key] = _checked(key, value)
    if len(mine) > MAX_KEPT:
        raise errors.Invalid(f"At most {MAX_KEPT} extra properties are kept per calendar.")
    if mine:
        kept["other"] = mine
    else:
        kept.pop("other", None)


def _checked(key: str, value: str) -> str:
    if len(value) > MAX_KEPT_TEXT:
        raise errors.Invalid(f"{key}: at most {MAX_KEPT_TEXT} characters are kept.")
    return value


def _row_values(entry: dict | None, theirs: dict | None) -> dict:
    values = {}
    if entry is not None:
        values.update(summary_override=entry.get("summaryOverride"),
                      color=entry.get("backgroundColor"))
    if theirs is not None:
        values.update(summary=theirs.get("summary", ""),
                      description=theirs.get("description", ""),
                      time_zone=theirs.get("timeZone") or "UTC")
    return values


def _refused(exc: GoogleError) -> errors.BridgeError:
    error = from_google(exc)
    if type(error) is errors.Invalid:
        return errors.Invalid(f"Google refused the calendar change: {exc}")
    return error
