"""Opening the database: engine, SQLite pragmas, and the schema brought up to date
(``migrate``)."""

from __future__ import annotations

import os
import time

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from .migrate import SchemaTooNew, migrate

__all__ = ["SchemaTooNew", "errors_without_row_data", "open_engine", "ping_when_idle",
           "reader"]

# A pooled connection unused for this long is checked before use (the server may have
# restarted meanwhile); one in steady use is not: a ping per checkout doubled the round
# trips of every query.
PING_AFTER_IDLE = 2.0


def open_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        _private_sqlite_file(url.removeprefix("sqlite:///"))
    # hide_parameters: an error must not print the event text it was storing.
    engine = create_engine(url, future=True, hide_parameters=True, **_pool_options(url))
    ping_when_idle(engine)
    errors_without_row_data(engine)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine


def reader(engine: Engine) -> Engine:
    """The engine for single reads (same pool): on PostgreSQL in autocommit, so handing the
    connection back needs no ROLLBACK round trip; each statement sees committed data as it
    would in a READ COMMITTED transaction. SQLite reads are already outside transactions."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def errors_without_row_data(engine: Engine) -> None:
    """``hide_parameters`` keeps SQL parameters out of error messages, but PostgreSQL's own
    message carries row data too: a DETAIL ("Failing row contains (...)", "Key (uid)=(...)"),
    and data errors quote the value ("invalid input syntax for type integer: ..."). Such an
    error is logged, stored as a calendar's last error and printed by the CLI, so it keeps
    only the primary message (for data errors, only the condition's name) and the SQLSTATE."""

    @event.listens_for(engine, "handle_error")
    def _scrub(context) -> None:
        error = context.original_exception
        sqlstate = getattr(error, "sqlstate", None)
        diag = getattr(error, "diag", None)
        if not sqlstate or diag is None:
            return          # the driver's own (connection) messages hold no row data
        if sqlstate.startswith("22"):
            message = type(error).__name__
        else:
            message = diag.message_primary or type(error).__name__
        error.args = (f"{message} (SQLSTATE {sqlstate})",)
        wrapped = context.sqlalchemy_exception
        if wrapped is not None:         # its message quoted the driver's when it was made
            kind = type(error)
            wrapped.args = (f"({kind.__module__}.{kind.__name__}) {error.args[0]}",)


def ping_when_idle(engine: Engine, idle: float = PING_AFTER_IDLE) -> None:
    """Like ``pool_pre_ping``, but only for connections that sat in the pool ``idle``
    seconds: a dead one is replaced before use, a busy server pays no extra round trip."""

    @event.listens_for(engine, "connect")
    def _new(_dbapi_connection, record) -> None:
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        if record is not None:
            record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("returned", 0.0) < idle:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the pooled connection is gone") from exc


def _pool_options(url: str) -> dict:
    # A connection for each request thread and background sync kept open: connections
    # beyond ``pool_size`` are closed when handed back, and each new one is a new
    # PostgreSQL backend that starts with cold caches (at 10, that churn cost PostgreSQL
    # more CPU per request than the queries did).
    return {} if url.startswith("sqlite") else {"pool_size": 40, "max_overflow": 20}


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
