"""The overview: the signed-in user's Google accounts (state, and the fix in one sentence)
and calendars (served or hidden, rights, events, last sync, push channel, last error), with
hide/show per calendar and unlinking an account after a confirmation page. Every id in a URL
or form is looked up among the signed-in user's own accounts: another's answers 404."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from werkzeug.exceptions import NotFound
from werkzeug.utils import redirect

from .pages import page, render

# The first word of a stored error (its type) in words.
ERRORS = {"RateLimited": "Google is limiting requests for this account",
          "QuotaExceeded": "Google's daily quota for this server is used up",
          "Unavailable": "Google did not answer",
          "CredentialsRefused": "Google refused the account's sign-in",
          "NotFound": "Google no longer has this calendar",
          "Forbidden": "Google refused access"}


@dataclass(frozen=True)
class CalendarView:
    id: int
    name: str
    color: str
    served: bool
    read_only: bool
    events: int
    last_sync: str
    lag: str
    push: str
    error: str


@dataclass(frozen=True)
class AccountView:
    id: int
    email: str
    state: str
    fix: str
    error: str
    calendars: tuple[CalendarView, ...]


@page()
def overview(request, app, session):
    return render("overview.html", session, accounts=accounts_of(app.bridge, session.user))


@page()
def set_served(request, app, session, calendar_id: int):
    calendar = _own_calendar(app.bridge, session.user, calendar_id)
    app.bridge.set_hidden(session.user, calendar.slug, request.form.get("served") != "1")
    return redirect(f"{session.home}/", code=303)


@page()
def confirm_unlink(request, app, session, account_id: int):
    return render("unlink.html", session, account=_own_account(app.bridge, session.user,
                                                               account_id))


@page()
def unlink(request, app, session, account_id: int):
    account = _own_account(app.bridge, session.user, account_id)
    app.bridge.unlink(session.user, account.email)
    return redirect(f"{session.home}/", code=303)


def _own_account(bridge, user: str, account_id: int):
    linked = next((a for a in bridge.accounts(user) if a.account.id == account_id), None)
    if linked is None:
        raise NotFound("You have no such account.")
    return linked.account


def _own_calendar(bridge, user: str, calendar_id: int):
    for linked in bridge.accounts(user):
        for calendar, _ in linked.calendars:
            if calendar.id == calendar_id:
                return calendar
    raise NotFound("You have no such calendar.")


def accounts_of(bridge, user: str) -> list[AccountView]:
    report = bridge.status()
    status = {a.id: a for a in report.accounts if a.user == user}
    counts = bridge.event_counts(user)
    views = []
    for linked in bridge.accounts(user):
        account, checked = linked.account, status.get(linked.account.id)
        watched = {w.key: w for w in checked.calendars} if checked else {}
        views.append(AccountView(
            account.id, account.email, *_state(account, checked), _in_words(account.last_error),
            tuple(_calendar(c, served, counts.get(c.id, 0), watched.get(c.id), report.now,
                            account.needs_sign_in) for c, served in linked.calendars)))
    return views


def _state(account, checked) -> tuple[str, str]:
    """(state, the fix in one sentence)."""
    if account.needs_sign_in:
        return "needs sign-in", (f"Google no longer accepts this account's sign-in (access "
                                 f"removed or expired): choose “Connect a Google account” and "
                                 f"sign in as {account.email} again.")
    errors = [account.last_error or ""] + [w.last_error or "" for w in
                                           (checked.calendars if checked else ())]
    if any(e.startswith(("RateLimited", "QuotaExceeded")) for e in errors):
        return "rate limited", ("Google is slowing this account down; gcaldav waits and "
                                "catches up by itself, nothing to do.")
    return "syncing", ""


def _calendar(calendar, served: bool, events: int, watched, now: float,
              needs_sign_in: bool) -> CalendarView:
    last = watched.last_sync if watched else 0
    error = watched.last_error if watched else calendar.last_error
    if needs_sign_in and (error or "").startswith("CredentialsRefused"):
        error = None                # the account's fix sentence says it once
    push = "none"
    if watched and watched.channel_expires:
        push = "active" + ("" if watched.channel_confirmed else " (not yet confirmed)")
    color = calendar.color if re.fullmatch(r"#[0-9a-fA-F]{6}", calendar.color or "") else "#888"
    return CalendarView(calendar.id, calendar.name, color, served,
                        calendar.read_only, events,
                        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(last)) if last
                        else "never", _duration(now - last) if last else "–", push,
                        _in_words(error))


def _in_words(error: str | None) -> str:
    if not error:
        return ""
    kind, _, detail = error.partition(": ")
    words = ERRORS.get(kind)
    return f"{words} ({detail.splitlines()[0][:200]})" if words else error.splitlines()[0][:200]


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
