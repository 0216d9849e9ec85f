"""Bringing a database to the current tables with Alembic, one process at a time.

Every process opening the store calls ``migrate``; ``gcaldav migrate`` calls it alone. The
work happens under a lock held in (or beside) the database, so two processes starting
together never both migrate: PostgreSQL's transaction-level advisory lock, or on SQLite an
exclusive lock on a file next to the database (SQLite serves one host only).

Databases written before Alembic carry their schema version in the ``meta`` table; hand
versions 1 to 5 are revisions "0001" to "0005", so such a database is stamped with its
revision and upgraded from there, its rows (ETags, revisions, sync tokens) untouched.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, Engine

from . import schema

MIGRATIONS = Path(__file__).with_name("migrations")
LAST_HAND_VERSION = 5
# gcaldav before Alembic refuses a database whose meta version is newer than it knows.
BEYOND_HAND_VERSIONS = "1000"
# Any fixed 64-bit number: the advisory lock every gcaldav process takes to migrate.
PG_LOCK = 0x6763616C646176


class SchemaTooNew(RuntimeError):
    pass


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> str:
    """Upgrade to the newest revision (nothing to do answers quickly); returns it."""
    if current(engine) == head():
        return head()
    with _locked(engine) as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
        if revision is None:
            revision = _stamp_hand_version(conn)
        known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
        if revision is not None and revision not in known:
            raise SchemaTooNew(f"The database was written by a newer gcaldav (revision "
                               f"{revision}); upgrade gcaldav.")
        command.upgrade(alembic_config(conn), "head")
        _mark_beyond_hand_versions(conn)
    return head()


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that only one process at a time holds."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK})
            yield conn
        return
    path = engine.url.database
    lock = None
    if path and path != ":memory:":
        lock = os.open(f"{path}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if lock is not None:        # waits as long as the other migration takes
            fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.connect() as conn:
            # The driver would run DDL outside a transaction: one explicit transaction
            # makes the migration all-or-nothing (and one disk sync instead of dozens).
            conn.exec_driver_sql("BEGIN EXCLUSIVE")
            yield conn
            conn.commit()
    finally:
        if lock is not None:
            os.close(lock)


def _stamp_hand_version(conn: Connection) -> str | None:
    """The revision a database from before Alembic is at (None: an empty database)."""
    if "meta" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(select(schema.meta.c.value)
                       .where(schema.meta.c.key == "schema_version")).first()
    if row is None:
        return None
    version = int(row.value)
    if version > LAST_HAND_VERSION:
        raise SchemaTooNew(f"The database was written by a newer gcaldav (schema {version}); "
                           f"upgrade gcaldav.")
    revision = f"{version:04d}"
    command.stamp(alembic_config(conn), revision)
    return revision


def _mark_beyond_hand_versions(conn: Connection) -> None:
    row = {"key": "schema_version", "value": BEYOND_HAND_VERSIONS}
    updated = conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version")
                           .values(value=BEYOND_HAND_VERSIONS))
    if not updated.rowcount:
        conn.execute(schema.meta.insert().values(**row))
