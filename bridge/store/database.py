"""Opening the database: engine, SQLite pragmas, and the schema brought up to date
(``migrate``)."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from .migrate import SchemaTooNew, migrate

__all__ = ["SchemaTooNew", "open_engine"]


def open_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        _private_sqlite_file(url.removeprefix("sqlite:///"))
    # hide_parameters: an error must not print the event text it was storing.
    engine = create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True,
                           **_pool_options(url))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine


def _pool_options(url: str) -> dict:
    # A server thread per request, each needing a connection for a moment, and leases
    # holding some for a whole sync: a larger pool than SQLAlchemy's 5 + 10.
    return {} if url.startswith("sqlite") else {"pool_size": 10, "max_overflow": 40}


def _private_sqlite_file(path: str) -> None:
    """The database holds calendars and e-mail addresses: a folder we create is 0700 and the
    file 0600 whatever the umask (SQLite gives its -wal and -shm files the file's mode)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700)
        os.chmod(folder, 0o700)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o600))
    if os.stat(path).st_uid == os.getuid():     # another user's file stays as it is
        os.chmod(path, 0o600)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL: readers never block the writer; busy_timeout: wait instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
