"""Retention: drop tombstones (and with them the CalDAV sync history) older than a cutoff.

Client sync tokens from before the newest dropped tombstone can no longer be answered
exactly, so the calendar's ``min_revision`` moves up to it and such tokens get the
valid-sync-token error; the client then resyncs in full.
"""

from __future__ import annotations

from sqlalchemy import func, select

from .schema import items
from .store import Store


def prune(store: Store, calendar_id: int, cutoff: float) -> int:
    """Drop the calendar's tombstones last changed before ``cutoff`` (POSIX time); answers
    how many went."""
    with store.write() as tx:
        newest = tx.conn.execute(select(func.max(items.c.revision)).where(
            items.c.calendar_id == calendar_id, items.c.deleted.is_(True),
            items.c.last_modified < cutoff)).scalar()
        if newest is None:
            return 0
        return tx.prune(calendar_id, newest + 1)
