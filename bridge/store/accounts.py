"""Account rows beyond what a sync touches: sign-in state, removing an account with
everything cached for it, and the copies of a calendar several accounts list."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from ..model import Calendar
from . import records
from .schema import accounts, calendars, google_events, items, occurrences, shadows
from .store import Store
from .transaction import Tx


def set_state(tx: Tx, account_id: int, state: str, since: float | None) -> bool:
    """Set the account's sign-in state; answers whether it changed (so callers say it once)."""
    changed = tx.conn.execute(update(accounts).where(
        accounts.c.id == account_id, accounts.c.state != state).values(
        state=state, needs_sign_in_since=since))
    return changed.rowcount > 0


def remove(tx: Tx, account_id: int) -> list[int]:
    """Delete the account, its calendars and their cached data; answers the calendar ids."""
    tx.flush()
    ids = [r.id for r in tx.conn.execute(
        select(calendars.c.id).where(calendars.c.account_id == account_id))]
    for table in (google_events, items, shadows, occurrences):
        tx.conn.execute(delete(table).where(table.c.calendar_id.in_(ids)))
    tx.conn.execute(delete(calendars).where(calendars.c.account_id == account_id))
    tx.conn.execute(delete(accounts).where(accounts.c.id == account_id))
    return ids


def copies(store: Store, user_id: int, google_id: str) -> list[Calendar]:
    """The user's live calendars for one Google calendar (more than one when several of the
    user's accounts list it)."""
    with store.engine.connect() as conn:
        return [records.calendar(r) for r in conn.execute(select(calendars).where(
            calendars.c.user_id == user_id, calendars.c.google_id == google_id,
            calendars.c.deleted.is_(False)))]
