"""Opening the database: engine, SQLite pragmas, schema creation and migration."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, event, inspect, select, text, update
from sqlalchemy.engine import Engine

from . import schema


def _add_channels(conn) -> None:
    schema.channels.create(conn, checkfirst=True)


def _add_occurrence_index(conn) -> None:
    # New tables come from create_all (which runs first); existing ones need their columns.
    for column in ("indexed_from", "indexed_until"):
        conn.execute(text(f"ALTER TABLE items ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0"))
    # Stored bounds now follow Radicale's rules; forgetting etags and sync tokens makes the
    # next sync re-list and rewrite every item (clients see each item change once).
    conn.execute(update(schema.items).where(schema.items.c.deleted.is_(False)).values(etag=None))
    conn.execute(update(schema.calendars).values(sync_token=None))


def _add_calendar_kind(conn) -> None:
    # Every collection so far is a Google calendar's events; nothing else changes (ETags,
    # revisions and sync tokens stay valid). A calendars table created by this version's
    # create_all under an older version number already has the column.
    if "kind" not in {c["name"] for c in inspect(conn).get_columns("calendars")}:
        conn.execute(text("ALTER TABLE calendars ADD COLUMN kind VARCHAR(16) NOT NULL "
                          "DEFAULT 'events'"))


# Steps from version N to N+1, as callables taking a connection.
MIGRATIONS: dict[int, object] = {1: _add_channels, 2: _add_occurrence_index,
                                 3: _add_calendar_kind}


class SchemaTooNew(RuntimeError):
    pass


def open_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = url.removeprefix("sqlite:///")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL: readers never block the writer; busy_timeout: wait instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        row = conn.execute(select(schema.meta.c.value)
                           .where(schema.meta.c.key == "schema_version")).first()
        if row is None:
            conn.execute(schema.meta.insert().values(key="schema_version",
                                                     value=str(schema.SCHEMA_VERSION)))
            return
        version = int(row.value)
        if version > schema.SCHEMA_VERSION:
            raise SchemaTooNew(f"The database was written by a newer gcaldav (schema {version}, "
                               f"this one knows {schema.SCHEMA_VERSION}); upgrade gcaldav.")
        while version < schema.SCHEMA_VERSION:
            MIGRATIONS[version](conn)
            version += 1
        conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version")
                     .values(value=str(version)))
