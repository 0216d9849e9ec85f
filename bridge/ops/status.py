"""One status report of a bridge, read from its store: per account and calendar, the last
sync, lag, push channel and last error. `gcaldav status`, ``/healthz`` and the web pages
render this same report."""

from __future__ import annotations

import shlex
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
    served: bool = True              # False: hidden from clients


@dataclass(frozen=True)
class AccountStatus:
    id: int
    user: str
    email: str
    calendar_list: Watched
    calendars: tuple[Watched, ...]
    needs_sign_in_since: float | None = None     # Google refused the credentials then

    @property
    def needs_sign_in(self) -> bool:
        return self.needs_sign_in_since is not None

    def advice(self, login_command: str = "gcaldav login") -> str | None:
        """What is wrong with the account and the command that fixes it, or None."""
        if not self.needs_sign_in:
            return None
        since = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(self.needs_sign_in_since))
        return (f"Google no longer accepts the sign-in of {self.email} (since {since}): its "
                f"calendars are served from cache and cannot be changed. Sign in again with "
                f"`{login_command} {shlex.quote(self.user)}`.")


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

    def watched(kind: Kind, key: int, name: str, last: float, error: str | None,
                served: bool = True) -> Watched:
        channel = live.get((kind, key))
        return Watched(kind, key, name, last, channel.expiration if channel else None,
                       bool(channel and channel.confirmed), error, served)

    return Report(now, tuple(
        AccountStatus(a.id, a.user, a.email,
                      watched(Kind.CALENDAR_LIST, a.id, "(calendar list)", a.list_synced,
                              a.last_error),
                      tuple(watched(Kind.EVENTS, c.id, c.name, c.last_sync, c.last_error,
                                    c.served)
                            for c in store.calendars_of_account(a.id)),
                      a.needs_sign_in_since if a.needs_sign_in else None)
        for a in store.accounts()))
