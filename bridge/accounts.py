"""The Google accounts linked to a CalDAV user: which of their calendars clients see, the
sign-in state of each account, and removing one.

A user may link several Google accounts. A calendar shared between two of them appears in
both calendar lists; clients get it once, from the account with the most rights to it (and
one whose sign-in works). An account whose credentials Google refused for good is marked
``needs_sign_in`` once, with one log line; its cached calendars stay readable, and a new
sign-in (``gcaldav login`` or ``link``) marks it ``ok`` again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Iterable

from .google import CredentialsRefused, GoogleClient, GoogleError, NotFound
from .google import channels as google_channels
from .google.credential_store import CredentialStore
from .model import Account, Calendar, Kind
from .store import Store
from .store import accounts as stored
from .store import channels as stored_channels
from .store import request_reads

log = logging.getLogger(__name__)

ROLE_RANK = {"owner": 0, "writer": 1, "reader": 2, "freeBusyReader": 3}


@dataclass(frozen=True)
class LinkedAccount:
    """One account as its user sees it: state and calendars (each with whether it is served)."""
    account: Account
    calendars: tuple[tuple[Calendar, bool], ...]


def served(calendars: Iterable[Calendar], broken: set[int] = frozenset(), *,
           include_hidden: bool = False) -> list[Calendar]:
    """The calendars clients see, in the given order: one per Google calendar (the copy of an
    account whose sign-in works, with the most rights, linked first), minus hidden ones."""
    calendars = list(calendars)
    best: dict[str, Calendar] = {}
    for calendar in sorted(calendars, key=lambda c: (c.account_id in broken,
                                                     ROLE_RANK.get(c.access_role, 9), c.id)):
        best.setdefault(calendar.google_id, calendar)
    return [c for c in calendars if best[c.google_id] is c and (include_hidden or c.served)]


def is_served(store: Store, calendar: Calendar) -> bool:
    """Whether clients see this calendar (one query when no other account lists it)."""
    if not calendar.served:
        return False
    copies = stored.copies(store, calendar.user_id, calendar.google_id)
    if len(copies) <= 1:
        return True
    broken = {c.account_id for c in copies
              if (account := store.account(c.account_id)) and account.needs_sign_in}
    return calendar.id in {c.id for c in served(copies, broken)}


def requested(store: Store, user: str, slug: str,
              href: str | None = None) -> request_reads.Requested | None:
    """The calendar clients see at ``/user/slug/`` (and, with ``href``, its resource there):
    one query, unless another of the user's accounts lists the same calendar."""
    found = request_reads.calendar(store, user, slug, href)
    if found is None or not found.calendar.served:
        return None
    if found.copies > 1 and not is_served(store, found.calendar):
        return None
    return found


def linked(store: Store, user: str) -> list[LinkedAccount]:
    accounts = store.accounts(user)
    broken = {a.id for a in accounts if a.needs_sign_in}
    shown = {c.id for c in served(store.calendars(user), broken)}
    return [LinkedAccount(a, tuple((c, c.id in shown) for c in store.calendars_of_account(a.id)))
            for a in accounts]


def find_calendar(store: Store, user: str, ref: str) -> list[Calendar]:
    """The user's calendars named by ``ref``: a URL segment, a Google calendar id or a name
    (every copy of it, when two accounts list the same calendar)."""
    calendars = store.calendars(user)
    for key in (lambda c: c.slug, lambda c: c.google_id, lambda c: c.name):
        found = [c for c in calendars if key(c) == ref]
        if found:
            return [c for c in calendars if c.google_id in {f.google_id for f in found}]
    return []


def shares_old_file(store: Store, account: Account) -> bool:
    """Whether another account was linked to the same credentials file (older versions named
    it after the user, so ``bob@corp`` and ``bob_corp`` could share one): whose it is cannot
    be told, so neither may use it; each must sign in again."""
    return any(other.id != account.id and other.credentials_path == account.credentials_path
               for other in store.accounts())


class SignInWatch:
    """Engine observer: marks an account ``needs_sign_in`` when Google refuses its
    credentials, and ``ok`` again after a sync with them succeeds."""

    def __init__(self, store: Store, clock: Callable[[], float]):
        self.store, self.clock = store, clock

    def __call__(self, kind: Kind, key: int, seconds: float, error: Exception | None) -> None:
        account_id = key if kind.per_account else self._account_of(key)
        if account_id is None:
            return
        if isinstance(error, CredentialsRefused):
            self.mark(account_id, needs_sign_in=True)
        elif error is None:
            self.mark(account_id, needs_sign_in=False)

    def _account_of(self, calendar_id: int) -> int | None:
        calendar = self.store.calendar(calendar_id)
        return calendar.account_id if calendar else None

    def mark(self, account_id: int, *, needs_sign_in: bool) -> None:
        state, since = ("needs_sign_in", self.clock()) if needs_sign_in else ("ok", None)
        with self.store.write() as tx:
            changed = stored.set_state(tx, account_id, state, since)
        account = self.store.account(account_id)
        if changed and account is not None and needs_sign_in:
            log.warning("Google no longer accepts the sign-in of %s (account %s of CalDAV user "
                        "%s): its calendars are served from cache and cannot be changed until "
                        "someone runs `gcaldav login %s`", account.email, account.id,
                        account.user, account.user)
        elif changed and account is not None:
            log.info("account %s of %s signs in again", account.id, account.user)


def stop_channels(store: Store, client: Callable[[], GoogleClient], account_id: int) -> int:
    """Stop the account's push channels at Google while its credentials still exist (best
    effort: one Google does not stop ends by itself at its expiry); answers how many."""
    rows = stored_channels.of_account(store, account_id)
    for row in rows:
        stored_channels.retire(store, row.id)      # its notifications are refused from now
        if row.resource_id:
            try:
                google_channels.stop(client(), row.id, row.resource_id)
            except NotFound:
                pass
            except (GoogleError, ValueError) as exc:     # refused or damaged credentials
                log.info("push channel %s left to expire at Google (%s)", row.id, exc)
        stored_channels.delete(store, row.id)
    return len(rows)


def remove(store: Store, credentials: CredentialStore, account: Account) -> list[int]:
    """Forget the account: its cached data, then its credentials. Answers its calendar ids
    (their URLs now answer 404, so clients drop them)."""
    with store.write() as tx:
        calendar_ids = stored.remove(tx, account.id)
    credentials.delete(account.id)
    log.info("unlinked account %s of %s (%d calendars)", account.id, account.user,
             len(calendar_ids))
    return calendar_ids
