"""Small builders for what the store tests put in the store."""

from __future__ import annotations

import hashlib

from bridge.model import Occurrences, Rendered
from bridge.store import Store


def add_calendar(store: Store, google_id: str = "team@group.calendar.google.com", *,
                 user: str = "alice", email: str = "alice@example.com", **fields) -> int:
    with store.write() as tx:
        account_id = tx.add_account(user, email, "authorized_user", f"/creds/{email}.json", None)
        user_id = tx.ensure_user(user)
        return tx.upsert_calendar(account_id, user_id, google_id, **fields)


def rendered(uid: str, start: int = 1_700_000_000, end: int = 1_700_003_600, *,
             recurring: bool = False, text: str | None = None) -> Rendered:
    text = text or f"BEGIN:VCALENDAR\r\nUID:{uid}\r\nEND:VCALENDAR\r\n"
    return Rendered(uid=uid, text=text, etag=f'"{hashlib.sha256(text.encode()).hexdigest()}"',
                    start=start, end=end, recurring=recurring)


def put(store: Store, calendar_id: int, uid: str, *, index: Occurrences | None = None,
        **kwargs) -> int:
    """Store one resource at ``<uid>.ics`` in its own revision; answers the revision."""
    with store.write() as tx:
        revision = tx.next_revision(calendar_id)
        tx.put_item(calendar_id, f"{uid}.ics", rendered(uid, **kwargs), revision, index)
    return revision


def tombstone(store: Store, calendar_id: int, uid: str) -> int:
    with store.write() as tx:
        revision = tx.next_revision(calendar_id)
        tx.tombstone_item(calendar_id, f"{uid}.ics", revision)
    return revision
