"""Inserting a client's new event under an id derived from its UID (see ids.py), however
often that UID was deleted and re-created before.

Google never reuses the id of a deleted event, so each re-creation needs the next id
generation. Which one is free is remembered per calendar and UID from our own inserts; when
it is not known (after a restart, or the UID was deleted on Google), the first 409 - or a
resource deleted here before - costs one listing of the UID's events, deleted ones included,
which names every id used. A retried insert whose first attempt landed (a lost reply)
collides with itself and is recognised as ours.
"""

from __future__ import annotations

import threading

from .. import errors
from ..google import GoogleClient, GoogleError
from . import resolve
from .ids import event_id

MAX_ATTEMPTS = 3        # a listing names the free id; more only if Google races us


class Generations:
    """The next free id generation per (calendar, UID), as far as this process knows."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def get(self, cal: str, uid: str) -> int | None:
        with self._lock:
            return self._next.get((cal, uid))

    def used(self, cal: str, uid: str, generation: int) -> None:
        with self._lock:
            self._next[(cal, uid)] = max(generation + 1, self._next.get((cal, uid), 0))


def insert(client: GoogleClient, cal: str, uid: str, body: dict, notify: str,
           generations: Generations, *, deleted_before: bool) -> dict:
    """Google's new event for ``body``; ``deleted_before``: the store saw this UID deleted."""
    known = generations.get(cal, uid)
    generation = known if known is not None else (
        _free(resolve.by_uid(client, cal, uid), uid) if deleted_before else 0)
    for _ in range(MAX_ATTEMPTS):
        candidate = event_id(uid, generation)
        try:
            event = client.call(lambda s: s.events().insert(
                calendarId=cal, body={**body, "id": candidate}, sendUpdates=notify))
        except GoogleError as exc:
            if resolve.unanswered(exc):
                event = _ours(client, cal, candidate, uid, body, resolve.fetch(
                    client, cal, candidate))
                if event is None:
                    raise
            elif exc.status != 409:
                raise
            else:
                events = resolve.by_uid(client, cal, uid)
                event = _ours(client, cal, candidate, uid, body,
                              next((e for e in events if e["id"] == candidate), None))
                if event is None:
                    generation = _free(events, uid)
                    continue
        generations.used(cal, uid, generation)
        return event
    raise errors.Conflict("Google keeps refusing new ids for this UID; use a new UID.", uid=uid)


def _ours(client: GoogleClient, cal: str, candidate: str, uid: str, body: dict,
          existing: dict | None) -> dict | None:
    """Our own earlier insert of ``candidate`` (its reply was lost), made what was asked;
    None if that id is not a live event of this UID."""
    if existing is None or existing.get("status") == "cancelled" \
            or existing.get("iCalUID") != uid:
        return None
    if resolve.holds(existing, body):
        return existing
    return client.call(lambda s: s.events().patch(
        calendarId=cal, eventId=candidate, body=body, sendUpdates="none"))


def _free(events: list[dict], uid: str) -> int:
    """The first generation whose id Google has not used (ours are used in order)."""
    used = {e["id"] for e in events}
    generation = 0
    while event_id(uid, generation) in used:
        generation += 1
    return generation
