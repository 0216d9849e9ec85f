"""The emulator's in-memory world: accounts, calendars, their events and change logs.

One re-entrant lock guards everything; API operations hold it for their whole duration, so
every request sees and leaves a consistent state. Each calendar (and each account's calendar
list) has a monotonically increasing change sequence; a record remembers the sequence of its
last change, which is all incremental sync needs. ``epoch`` is bumped to invalidate every
outstanding sync token of that log.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field

from . import times
from .tasks.store import TaskStore

ROLES = ("freeBusyReader", "reader", "writer", "owner")
_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"


def new_id(length: int = 26) -> str:
    """A server-generated id in Google's style: base32hex characters."""
    return "".join(secrets.choice(_BASE32HEX) for _ in range(length))


_etag_counter = itertools.count()


def new_etag() -> str:
    """Google event etags are quoted, ever-growing integers: ``"3372702442484000"``."""
    return f'"{int(time.time() * 1_000_000) * 10 + next(_etag_counter) % 10}"'


@dataclass
class EventRecord:
    """A stored event, exception or tombstone (``resource["status"] == "cancelled"``)."""

    resource: dict
    seq: int
    order: int
    # Derived on every write, so listing never re-parses: UTC bounds of the event (for a
    # series, of its first occurrence) and the series start in its own zone.
    start_utc: dt.datetime | None = None
    end_utc: dt.datetime | None = None

    @property
    def id(self) -> str:
        return self.resource["id"]

    @property
    def cancelled(self) -> bool:
        return self.resource.get("status") == "cancelled"

    @property
    def is_exception(self) -> bool:
        return "recurringEventId" in self.resource

    @property
    def is_master(self) -> bool:
        return bool(self.resource.get("recurrence")) and not self.is_exception


@dataclass
class Calendar:
    id: str
    summary: str
    owner: str
    time_zone: str = "UTC"
    description: str = ""
    location: str = ""
    acl: dict[str, str] = field(default_factory=dict)       # email -> role
    events: dict[str, EventRecord] = field(default_factory=dict)
    default_color_id: str = "14"
    seq: int = 0
    epoch: int = 0
    etag: str = field(default_factory=new_etag)
    updated: dt.datetime = field(default_factory=times.now)
    _order: itertools.count = field(default_factory=itertools.count, repr=False)

    def bump(self) -> int:
        self.seq += 1
        self.updated = times.now()
        return self.seq

    def next_order(self) -> int:
        return next(self._order)

    def exceptions_of(self, master_id: str) -> list[EventRecord]:
        prefix = master_id + "_"
        return [r for r in self.events.values()
                if r.id.startswith(prefix) and r.resource.get("recurringEventId") == master_id]


@dataclass
class ListEntry:
    """An account's calendar-list entry: the per-user view of a calendar."""

    calendar_id: str
    seq: int
    summary_override: str | None = None
    color_id: str | None = None
    background_color: str | None = None
    foreground_color: str | None = None
    hidden: bool = False
    selected: bool = True
    deleted: bool = False
    default_reminders: list = field(default_factory=list)
    etag: str = field(default_factory=new_etag)


@dataclass
class Account:
    email: str
    display_name: str
    refresh_token: str = field(default_factory=lambda: "1//" + secrets.token_urlsafe(32))
    calendar_list: dict[str, ListEntry] = field(default_factory=dict)
    list_seq: int = 0
    list_epoch: int = 0

    def bump_list(self) -> int:
        self.list_seq += 1
        return self.list_seq


class World:
    """All data of one emulator instance; mutate only while holding ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.calendars: dict[str, Calendar] = {}
        # OAuth client every generated credential uses (any client works; we check the pair).
        self.client_id = "gcaldav-emulator.apps.googleusercontent.com"
        self.client_secret = secrets.token_urlsafe(24)
        self.sync_token_ttl = dt.timedelta(days=28)
        self.tasks = TaskStore()        # Google Tasks data per account email
        # Called as listener(kind, key) after a change: ("events", calendar_id) or
        # ("calendarList", email). The push module subscribes here.
        self.listeners: list = []

    def changed(self, kind: str, key: str) -> None:
        for listener in self.listeners:
            listener(kind, key)

    # --- accounts and calendars -------------------------------------------------------------

    def add_account(self, email: str, display_name: str | None = None,
                    time_zone: str = "UTC") -> Account:
        email = email.strip().lower()
        account = self.accounts.get(email)
        if account is None:
            account = Account(email=email, display_name=display_name or email.split("@")[0])
            self.accounts[email] = account
            self.add_calendar(email, owner=email, summary=email, time_zone=time_zone)
        return account

    def add_calendar(self, calendar_id: str, *, owner: str, summary: str, time_zone: str = "UTC",
                     description: str = "", color_id: str = "14") -> Calendar:
        calendar = Calendar(id=calendar_id, summary=summary, owner=owner, time_zone=time_zone,
                            description=description, default_color_id=color_id)
        self.calendars[calendar_id] = calendar
        self.share(calendar, owner, "owner")
        return calendar

    def share(self, calendar: Calendar, email: str, role: str | None) -> None:
        """Give ``email`` a role on the calendar (None removes access) and update its list."""
        account = self.accounts[email]
        entry = account.calendar_list.get(calendar.id)
        if role is None:
            calendar.acl.pop(email, None)
            if entry and not entry.deleted:
                entry.deleted = True
                entry.seq = account.bump_list()
                entry.etag = new_etag()
            return
        calendar.acl[email] = role
        if entry is None or entry.deleted:
            account.calendar_list[calendar.id] = ListEntry(
                calendar_id=calendar.id, seq=account.bump_list(),
                default_reminders=[{"method": "popup", "minutes": 10}])
        else:
            entry.seq = account.bump_list()
            entry.etag = new_etag()

    def role(self, email: str, calendar: Calendar) -> str | None:
        return calendar.acl.get(email)
