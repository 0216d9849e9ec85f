"""The engine's value types: what kind of Google thing is watched, and the typed records the
store hands out. Imports nothing of ours, so every layer can speak in these terms."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

# "Forever": 10000-01-01T00:00:00Z, the bound Radicale uses for open-ended items.
END_OF_TIME = 253402300800
READ_ONLY_ROLES = frozenset({"reader", "freeBusyReader"})


class Kind(StrEnum):
    """A watched Google resource. The values are stored (channels, leases): never rename."""
    CALENDAR_LIST = "list"      # an account's calendar list; keyed by the account
    EVENTS = "events"           # one Google calendar's events; keyed by the calendar
    TASKS = "tasks"             # one Google task list's tasks; keyed by the collection

    @property
    def per_account(self) -> bool:
        return self is Kind.CALENDAR_LIST

    @property
    def component(self) -> str | None:
        """The iCalendar component a collection of this kind holds."""
        return {Kind.EVENTS: "VEVENT", Kind.TASKS: "VTODO"}.get(self)


@dataclass(frozen=True)
class Account:
    id: int
    user_id: int
    user: str                       # the CalDAV user it belongs to
    email: str                      # the Google account
    credential_type: str            # authorized_user | service_account
    credentials_path: str           # a 0600 file holding the secret, never the secret itself
    subject: str | None             # domain-wide delegation: the user acted as
    list_synced: float
    last_error: str | None
    state: str = "ok"               # ok | needs_sign_in (Google refused the credentials)
    needs_sign_in_since: float | None = None

    @property
    def needs_sign_in(self) -> bool:
        return self.state == "needs_sign_in"


@dataclass(frozen=True)
class Calendar:
    """A CalDAV collection backed by one Google calendar (or, later, task list)."""
    id: int
    account_id: int
    user_id: int
    google_id: str
    slug: str                       # the URL path segment, stable for the collection's life
    summary: str
    summary_override: str | None
    description: str
    time_zone: str
    color: str | None
    access_role: str
    default_reminders: str          # JSON list, Google's defaultReminders
    sync_token: str | None          # Google's nextSyncToken
    epoch: str                      # changes only when clients' history is lost
    revision: int                   # bumped by every change clients can see
    min_revision: int               # client tokens older than this are invalid
    last_sync: float
    last_modified: float
    last_error: str | None
    deleted: bool
    kind: Kind = Kind.EVENTS
    selected: bool = True           # ticked and not hidden in the user's Google list
    hidden: bool | None = None      # the user's choice here; None: follow ``selected``

    @property
    def served(self) -> bool:
        """Whether clients see it (unless another account serves the same calendar)."""
        return self.selected if self.hidden is None else not self.hidden

    @property
    def name(self) -> str:
        return self.summary_override or self.summary or self.google_id

    @property
    def read_only(self) -> bool:
        return self.access_role in READ_ONLY_ROLES

    @property
    def reminders(self) -> tuple:
        return tuple(json.loads(self.default_reminders))


@dataclass(frozen=True)
class SyncState:
    """What a collection's sync token and ctag are made of (read without listing items)."""
    epoch: str
    revision: int
    min_revision: int


@dataclass(frozen=True)
class Item:
    """One CalDAV resource as clients see it (``text`` is None for a tombstone)."""
    href: str
    uid: str
    text: str | None
    etag: str | None
    start: int                      # POSIX bounds by Radicale's time-range rules
    end: int
    recurring: bool
    revision: int
    deleted: bool
    last_modified: float


@dataclass(frozen=True)
class GoogleEvent:
    """A Google event as last seen, grouped into its resource by ``uid``."""
    event_id: str
    uid: str
    etag: str
    data: str                       # the Event resource, JSON


@dataclass(frozen=True)
class Channel:
    """A Google push channel we created. ``pending`` until Google accepted the watch,
    ``active`` after, ``retired`` once it should be stopped."""
    id: str                         # our uuid, X-Goog-Channel-ID
    token_hash: str                 # SHA-256 of the channel token; the token is never kept
    kind: Kind
    account_id: int
    calendar_id: int | None         # None for the calendar list
    resource_id: str | None         # Google's, once the watch answered
    address: str
    state: str                      # pending | active | retired
    created: float
    expiration: float
    confirmed: float | None         # when the first valid message arrived

    @property
    def key(self) -> int:
        """The watched thing: the account for the calendar list, else the calendar."""
        return self.account_id if self.kind.per_account else self.calendar_id


@dataclass(frozen=True)
class Rendered:
    """A resource rendered for clients, before it is stored."""
    uid: str
    text: str                       # the VCALENDAR, CRLF line endings
    etag: str                       # '"' + sha256(text).hexdigest() + '"'
    start: int                      # POSIX seconds: earliest start of any occurrence
    end: int                        # latest end; open-ended: END_OF_TIME
    recurring: bool


@dataclass(frozen=True)
class Occurrences:
    """When a recurring resource happens within an indexed horizon (POSIX seconds)."""
    indexed_from: int
    indexed_until: int
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Changes:
    """What changed in a collection since a client's sync token (``hrefs`` may be read
    lazily: iterate it once)."""
    token: str
    hrefs: Iterable[str]
