"""The Radicale storage plugin: ``[storage] type = radicale_plugin``.

Paths: ``/`` (root), ``/<user>/`` (principal), ``/<user>/<calendar slug>/`` (one per Google
calendar of the user's linked accounts), ``/<user>/<slug>/<href>`` (a resource). A request on
a calendar first brings it up to date from Google if it is older than ``freshness``.
"""

from __future__ import annotations

import contextlib
import threading
import zoneinfo
from typing import Iterable, Iterator

import vobject
from radicale import pathutils
from radicale.storage import BaseStorage

from . import registry
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
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()

    def discover(self, path: str, depth: str = "0", child_context_manager=None,
                 user_groups=frozenset()) -> Iterator:
        parts = [p for p in pathutils.strip_path(path).split("/") if p]
        if not parts:
            yield Root()
            if depth != "0":
                yield from (Principal(name) for name in self._users())
            return
        user = parts[0]
        if self.bridge.store.user_id(user) is None:
            return
        if len(parts) == 1:
            yield Principal(user)
            if depth != "0":
                yield from self._calendars(user)
            return
        row = self.bridge.store.calendar_by_slug(user, parts[1])
        if row is None or len(parts) > 3:
            return
        self.bridge.engine.ensure_fresh(row.id)
        # One read after the sync: this request's ctag, token and properties come from it.
        calendar = Calendar(self.bridge, user, self.bridge.store.calendar(row.id))
        if len(parts) == 3:
            for _, item in calendar.get_multi([parts[2]]):
                if item is not None:
                    yield item
            return
        yield calendar
        if depth != "0":
            yield from calendar.get_all()

    def _users(self) -> list[str]:
        return sorted({a.user for a in self.bridge.store.accounts()})

    def _calendars(self, user: str) -> Iterable[Calendar]:
        for account in self.bridge.store.accounts(user):
            self.bridge.engine.ensure_list_fresh(account.id)
        for row in self.bridge.store.calendars(user):
            self.bridge.engine.ensure_fresh(row.id)
            yield Calendar(self.bridge, user, self.bridge.store.calendar(row.id))

    def create_collection(self, href: str, items=None, props=None):
        parts = [p for p in pathutils.strip_path(href).split("/") if p]
        if len(parts) == 1:
            self.bridge.store.ensure_user(parts[0])
            return Principal(parts[0]), {}, []
        raise ValueError("gcaldav serves the calendars of the linked Google account; create "
                         "new calendars in Google Calendar")

    def move(self, item, to_collection, to_href):
        raise ValueError("Moving events between calendars is not supported")

    @contextlib.contextmanager
    def acquire_lock(self, mode: str, user: str = "", *args, path: str = "", **kwargs):
        """Reads take no lock (the store is safe for concurrent readers). Writes serialise per
        calendar, never globally, so a slow Google call stalls no other calendar and no
        reader; and the calendar is first brought up to date, so Radicale's If-Match and
        If-None-Match checks see Google's current state."""
        if mode != "w":
            yield
            return
        parts = [p for p in pathutils.strip_path(path).split("/") if p]
        key = "/".join(parts[:2])
        with self._locks_guard:
            lock = self._locks.setdefault(key, threading.RLock())
        with lock:
            if len(parts) >= 2:
                row = self.bridge.store.calendar_by_slug(parts[0], parts[1])
                if row is not None:
                    self.bridge.writer.refresh_before_write(row.id)
            yield

    def verify(self) -> bool:
        return True
