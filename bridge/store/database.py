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
        path = url.removeprefix("sqlite:///")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL: readers never block the writer; busy_timeout: wait instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
