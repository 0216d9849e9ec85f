"""The OAuth scopes the emulator's consent screen knows: Calendar's and Tasks' (from their
discovery documents) and the sign-in scopes. Google expands the short sign-in names ``email``
and ``profile`` to their ``userinfo`` URLs in what it grants."""

from __future__ import annotations

from .auth import SCOPE_PREFIX

_CALENDAR = ("calendar", "calendar.readonly", "calendar.acls", "calendar.acls.readonly",
             "calendar.app.created", "calendar.calendarlist", "calendar.calendarlist.readonly",
             "calendar.calendars", "calendar.calendars.readonly", "calendar.events",
             "calendar.events.freebusy", "calendar.events.owned",
             "calendar.events.owned.readonly", "calendar.events.public.readonly",
             "calendar.events.readonly", "calendar.freebusy", "calendar.settings",
             "calendar.settings.readonly")
_TASKS = ("tasks", "tasks.readonly")

SIGN_IN = frozenset({"openid", SCOPE_PREFIX + "userinfo.email",
                     SCOPE_PREFIX + "userinfo.profile"})
KNOWN = SIGN_IN | {SCOPE_PREFIX + name for name in _CALENDAR + _TASKS}
_ALIASES = {"email": SCOPE_PREFIX + "userinfo.email",
            "profile": SCOPE_PREFIX + "userinfo.profile"}

DESCRIPTIONS = {
    SCOPE_PREFIX + "calendar": "See, edit, share, and permanently delete all the calendars "
                               "you can access using Google Calendar",
    SCOPE_PREFIX + "calendar.readonly": "See and download any calendar you can access "
                                        "using your Google Calendar",
    SCOPE_PREFIX + "calendar.events": "View and edit events on all your calendars",
    SCOPE_PREFIX + "tasks": "Create, edit, organize, and delete all your tasks",
    SCOPE_PREFIX + "tasks.readonly": "View your tasks",
    SCOPE_PREFIX + "userinfo.email": "See your primary Google Account email address",
    SCOPE_PREFIX + "userinfo.profile": "See your personal info",
    "openid": "Associate you with your personal info on Google",
}


def normalize(scope: str) -> str:
    return _ALIASES.get(scope, scope)


def parse(text: str) -> tuple[list[str], list[str]]:
    """(known scopes, normalized, in request order without repeats; unknown ones as sent)."""
    valid: list[str] = []
    invalid: list[str] = []
    for raw in text.split():
        scope = normalize(raw)
        if scope not in KNOWN:
            invalid.append(raw)
        elif scope not in valid:
            valid.append(scope)
    return valid, invalid


def only_sign_in(scopes) -> bool:
    return set(scopes) <= SIGN_IN
