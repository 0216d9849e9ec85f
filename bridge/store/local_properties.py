"""Collection properties clients set that Google cannot hold (Apple's ``calendar-order``, the
description or time zone of a calendar the user does not own, other dead properties), kept
per collection and so per user.

They live in the ``meta`` key-value table under ``calendar-properties:<collection id>`` as a
JSON object {property tag: text}: a handful of short values per collection, read with the
collection's properties, needing no table of their own.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from .schema import meta

PREFIX = "calendar-properties:"


def _key(calendar_id: int) -> str:
    return f"{PREFIX}{calendar_id}"


def read(engine: Engine, calendar_id: int) -> dict[str, str]:
    with engine.connect() as conn:
        value = conn.execute(select(meta.c.value).where(meta.c.key == _key(calendar_id))
                             ).scalar()
    return json.loads(value) if value else {}


def write(conn: Connection, calendar_id: int, properties: dict[str, str]) -> None:
    """Replace the collection's kept properties (none: the entry is removed)."""
    conn.execute(meta.delete().where(meta.c.key == _key(calendar_id)))
    if properties:
        conn.execute(meta.insert().values(key=_key(calendar_id),
                                          value=json.dumps(properties, sort_keys=True)))
