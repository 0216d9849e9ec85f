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


def _register_zones_with_vobject() -> None:
    """vobject keeps one process-wide zone per TZID, taken from the first VTIMEZONE it parses;
    ours cover only the years an item needs, so a short one would skew later time-range
    checks. Registering the full zones first makes every parse use them."""
    for name in zoneinfo.available_timezones():
        vobject.icalendar.registerTzid(name, zoneinfo.ZoneInfo(name))


class Storage(BaseStorage):
    _supports_unicode = True

    def __init__(self, configuration):
        original = configuration
        _register_zones_with_vobject()
        super().__init__(configuration.copy(PLUGIN_SCHEMA))
        self.bridge = registry.register(original, settings_from(self.configuration))
        self._user_locks: dict[str, threading.RLock] = {}
        self._user_locks_guard = threading.Lock()

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
        calendar = Calendar(self.bridge, user, row)
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
    def acquire_lock(self, mode: str, user: str = "", *args, **kwargs):
        # Reads need no lock (the store is safe for concurrent readers); writes serialise per
        # user, never globally, so one slow Google call does not stall everybody.
        if mode != "w":
            yield
            return
        with self._user_locks_guard:
            lock = self._user_locks.setdefault(user, threading.RLock())
        with lock:
            yield

    def verify(self) -> bool:
        return True
