"""Properties clients set that Google cannot hold, kept per collection (Apple's
``calendar-order``, the description or time zone of a calendar the user does not own, other
dead properties) and per calendar home (Apple's default alarms).

They live in the ``meta`` key-value table under ``calendar-properties:<collection id>`` or
``home-properties:<user>`` as a JSON object: a handful of short values, read with the
collection's properties, needing no table of their own.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from .schema import meta



def of_collection(calendar_id: int) -> str:
    return f"calendar-properties:{calendar_id}"


def of_home(user: str) -> str:
    """(The meta key is 64 characters at most: longer user names are hashed.)"""
    key = f"home-properties:{user}"
    return key if len(key) <= 64 else "home-properties:#" + hashlib.sha256(
        user.encode()).hexdigest()[:40]


def read(engine: Engine, key: str) -> dict:
    with engine.connect() as conn:
        value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
    return json.loads(value) if value else {}


def write(conn: Connection, key: str, properties: dict) -> None:
    """Replace the kept properties under ``key`` (none: the entry is removed)."""
    conn.execute(meta.delete().where(meta.c.key == key))
    if properties:
        conn.execute(meta.insert().values(key=key,
                                          value=json.dumps(properties, sort_keys=True)))
