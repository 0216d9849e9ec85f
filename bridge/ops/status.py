"""One status report of a bridge, read from its store: per account and calendar, the last
sync, lag, push channel and last error. `gcaldav status`, ``/healthz`` and the web pages
render this same report."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..model import Kind
from ..store import Store
from ..store import channels as stored_channels


@dataclass(frozen=True)
class Watched:
    """A calendar (or an account's calendar list) as an operator sees it."""
    kind: Kind
    key: int
    name: str
    last_sync: float                 # 0: never
    channel_expires: float | None    # a live push channel's expiry, if any
    channel_confirmed: bool
    last_error: str | None


@dataclass(frozen=True)
class AccountStatus:
    id: int
    user: str
    email: str
    calendar_list: Watched
    calendars: tuple[Watched, ...]


@dataclass(frozen=True)
class Report:
    now: float
    accounts: tuple[AccountStatus, ...]


def report(store: Store, now: float | None = None) -> Report:
    now = time.time() if now is None else now
    live = {}
    for row in stored_channels.all_channels(store):
        if row.state == "active" and row.expiration > now:
            key = (Kind(row.kind), row.account_id if Kind(row.kind).per_account
                   else row.calendar_id)
            if key not in live or row.expiration > live[key].expiration:
                live[key] = row

    def watched(kind: Kind, key: int, name: str, last: float, error: str | None) -> Watched:
        channel = live.get((kind, key))
        return Watched(kind, key, name, last, channel.expiration if channel else None,
                       bool(channel and channel.confirmed), error)

    return Report(now, tuple(
        AccountStatus(a.id, a.user, a.email,
                      watched(Kind.CALENDAR_LIST, a.id, "(calendar list)", a.list_synced,
                              a.last_error),
                      tuple(watched(Kind.EVENTS, c.id, c.summary_override or c.summary
                                    or c.google_id, c.last_sync, c.last_error)
                            for c in store.calendars_of_account(a.id)))
        for a in store.accounts()))
