"""The Radicale storage plugin: ``[storage] type = radicale_plugin``.

Paths: ``/`` (root), ``/<user>/`` (principal), ``/<user>/<calendar slug>/`` (one per Google
calendar of the user's linked accounts), ``/<user>/<slug>/<href>`` (a resource). A request on
a calendar first brings it up to date from Google if it is older than ``freshness``.
"""

from __future__ import annotations

import contextlib
import zoneinfo
from typing import Iterator

import vobject
from radicale import pathutils
from radicale.storage import BaseStorage

from bridge import errors

from . import outcome, properties, registry
from .collections import Calendar, Principal, Root
from .options import PLUGIN_SCHEMA, settings_from


class _NamedZone(zoneinfo.ZoneInfo):
    """A zone vobject serialises under its IANA name (it looks for ``tzid``; without it, it
    would write TZID=CET)."""

    @property
    def tzid(self) -> str:
        return self.key


def _register_zones_with_vobject() -> None:
    """vobject keeps one process-wide zone per TZID, taken from the first VTIMEZONE it parses;
    ours cover only the years an item needs, so a short one would skew later time-range
    checks. Registering the full zones first makes every parse use them."""
    for name in zoneinfo.available_timezones():
        vobject.icalendar.registerTzid(name, _NamedZone(name))


class Storage(BaseStorage):
    _supports_unicode = True

    def __init__(self, configuration):
        original = configuration
        _register_zones_with_vobject()
        super().__init__(configuration.copy(PLUGIN_SCHEMA))
        self.bridge = registry.register(original, settings_from(self.configuration))

    def discover(self, path: str, depth: str = "0", child_context_manager=None,
                 user_groups=frozenset()) -> Iterator:
        parts = [p for p in pathutils.strip_path(path).split("/") if p]
        if not parts:
            yield Root()
            if depth != "0":
                yield from (Principal(name, self.bridge) for name in self.bridge.users())
            return
        user = parts[0]
        if len(parts) == 1:
            if not self.bridge.has_user(user):
                return
            yield Principal(user, self.bridge)
            if depth != "0":
                yield from (Calendar(self.bridge, user, row)
                            for row in self.bridge.calendars(user))
            return
        if len(parts) > 3:
            return
        if len(parts) == 3:         # a resource: calendar and item in one look-up
            row, record = self.bridge.calendar_and_item(user, parts[1], parts[2])
            if record is not None:
                yield Calendar(self.bridge, user, row).item(record)
            return
        row = self.bridge.calendar(user, parts[1])
        if row is None:
            return
        calendar = Calendar(self.bridge, user, row)
        yield calendar
        if depth != "0":
            yield from calendar.get_all()

    def create_collection(self, href: str, items=None, props=None):
        parts = [p for p in pathutils.strip_path(href).split("/") if p]
        if len(parts) == 1:
            self.bridge.ensure_user(parts[0])
            return Principal(parts[0], self.bridge), {}, []
        try:
            if len(parts) != 2 or items is not None or not props \
                    or props.get("tag") != "VCALENDAR":
                raise errors.Unsupported("Only calendars can be created here (MKCALENDAR "
                                         "directly below your principal).")
            wanted, component = properties.requested(props)
            row = self.bridge.create_collection(parts[0], parts[1], wanted,
                                                component=component)
        except errors.BridgeError as exc:
            outcome.fail(exc)
            raise ValueError(exc.message) from None
        return Calendar(self.bridge, parts[0], row), {}, []

    def move(self, item, to_collection, to_href):
        """MOVE of an event to another calendar: Google's events.move (same account only)."""
        source = item.collection
        try:
            if source.path == to_collection.path:
                raise errors.Unsupported("Renaming an event within its calendar is not "
                                         "supported; move it to another calendar.")
            self.bridge.move_event(source.row.id, item.href, to_collection.row.id, to_href)
        except errors.BridgeError as exc:
            outcome.fail(exc)
            raise ValueError(exc.message) from None

    @contextlib.contextmanager
    def acquire_lock(self, mode: str, user: str = "", *args, path: str = "", **kwargs):
        """Reads take no lock (the store is safe for concurrent readers). A write holds its
        calendar for the whole request (never globally, so a slow Google call stalls no other
        calendar and no reader), after bringing it up to date, so Radicale's If-Match and
        If-None-Match checks see Google's current state."""
        # Radicale locks without a path to create a new user's principal (no calendar).
        parts = [p for p in pathutils.strip_path(path).split("/") if p] \
            if mode == "w" and path else []
        row = self.bridge.calendar(parts[0], parts[1], fresh=False) if len(parts) >= 2 else None
        if row is None:
            yield
            return
        with self.bridge.writing(row.id):
            yield

    def verify(self) -> bool:
        return True
