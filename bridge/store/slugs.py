"""Giving a collection the URL segment a client asked for (MKCALENDAR): a collection that left
its Google account keeps its row, and so its segment, until then; it yields the segment."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from .schema import calendars


def claim(conn: Connection, user_id: int, slug: str, calendar_id: int) -> bool:
    """Move the collection to ``slug``; False if a live collection of the user holds it."""
    holders = conn.execute(select(calendars.c.id, calendars.c.deleted).where(
        calendars.c.user_id == user_id, calendars.c.slug == slug,
        calendars.c.id != calendar_id)).all()
    if any(not row.deleted for row in holders):
        return False
    for row in holders:
        conn.execute(update(calendars).where(calendars.c.id == row.id)
                     .values(slug=f"{slug[:180]}.removed-{row.id}"))
    conn.execute(update(calendars).where(calendars.c.id == calendar_id).values(slug=slug))
    return True
