"""What Google holds after a call whose answer we did not get (a lost reply, a timeout, 5xx
after every retry): looked up before the client is answered, so a change Google applied is
never reported as a failure, and one it did not apply never as a success.
"""

from __future__ import annotations

import datetime as dt

from ..google import GoogleClient, GoogleError
from ..google import errors as google


def unanswered(exc: GoogleError) -> bool:
    """Whether Google may have applied the call although it did not say so (no answer, or
    a refusal of a retry whose first attempt went unanswered)."""
    return isinstance(exc, google.Unavailable) or exc.maybe_applied


LOOKUP_ROUNDS = 3      # a lookup is a harmless read: worth more patience than the write


class OutcomeUnknown(google.Unavailable):
    """Google did not answer a change, and looking up what it holds failed as well."""


def fetch(client: GoogleClient, cal: str, event_id: str) -> dict | None:
    """Google's event, None when it never existed (a deleted one comes back cancelled).
    Transient failures (5xx, no answer, rate and quota limits) are tried again, each round
    with the client's own retries; ``OutcomeUnknown`` if every round fails."""
    failures = 0
    while True:
        try:
            return client.call(lambda s: s.events().get(calendarId=cal, eventId=event_id))
        except GoogleError as exc:
            if exc.status in (404, 410):
                return None
            if not isinstance(exc, TRANSIENT):
                raise
            failures += 1
            if failures == LOOKUP_ROUNDS:
                raise OutcomeUnknown(f"looking the event up failed: {exc}",
                                     status=exc.status, reason=exc.reason) from None


TRANSIENT = (google.Unavailable, google.RateLimited, google.QuotaExceeded)


def gone(client: GoogleClient, cal: str, event_id: str) -> bool:
    event = fetch(client, cal, event_id)
    return event is None or event.get("status") == "cancelled"


def by_uid(client: GoogleClient, cal: str, uid: str) -> list[dict]:
    """Every event Google has with this iCalUID, deleted ones included."""
    return client.call(lambda s: s.events().list(
        calendarId=cal, iCalUID=uid, showDeleted=True, maxResults=2500)).get("items", [])


def holds(event: dict | None, body: dict) -> bool:
    """Whether Google's event already carries the fields of a patch body (compared as
    values: Google formats times and attendees in its own way)."""
    if event is None or event.get("status") == "cancelled" and body.get("status") != "cancelled":
        return False
    for key, value in body.items():
        have = event.get(key)
        if key in ("start", "end"):
            if value is None or have is None or _instant(have) != _instant(value):
                return False
        elif key == "attendees":
            if _people(have) != _people(value):
                return False
        elif key == "iCalUID":
            continue            # (an instance carries its series')
        elif key != "reminders" and (have or None) != (value or None):
            return False
    return True


def _people(items) -> set:
    return {(p.get("email"), p.get("responseStatus")) for p in items or []}


def _instant(edt: dict):
    if "date" in edt:
        return edt["date"]
    return dt.datetime.fromisoformat(edt["dateTime"]).astimezone(dt.timezone.utc)
