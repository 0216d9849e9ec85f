"""Leases held in PostgreSQL, shared by every gcaldav process on the database.

``exclusive(kind, key)`` is a session-level advisory lock on a connection kept for the whole
sync or write. Threads of one process first queue on a ``LocalLeases`` (reentrancy, arrival
order, one waiting connection per process); processes then queue in PostgreSQL's lock queue,
also in arrival order. The lock ends with its connection: when the holding process dies
(kill -9 closes its sockets; on a lost host, TCP keepalives end the session within
``LEASE_EXPIRY`` seconds) another process gets the lease.

``run_once(job, period)`` moves the job's claim in the ``jobs`` table forward in one
statement judged by the database's clock, so exactly one process wins each period.
"""

from __future__ import annotations

import time
import zlib
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, func, literal_column, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ..model import Kind
from .database import errors_without_row_data, ping_when_idle
from .leases import LeaseBusy, Leases, LocalLeases
from .schema import jobs

# Keepalive settings of the lease connections: a silent peer is dropped after
# idle + interval × count seconds, ending its locks.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 10, 5, 3
LEASE_EXPIRY = KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT
LOCK_NOT_AVAILABLE = "55P03"


def lock_keys(kind: Kind, key: int) -> tuple[int, int]:
    """The two 32-bit keys of (kind, key)'s advisory lock (a space apart from the migration
    lock's single 64-bit key)."""
    return zlib.crc32(Kind(kind).value.encode()) & 0x7FFFFFFF, key


class DatabaseLeases(Leases):
    def __init__(self, engine: Engine):
        self.engine = engine
        self._now = func.extract("epoch", func.clock_timestamp())
        self._local = LocalLeases()
        self._sessions: dict[tuple[Kind, int], list] = {}     # name -> [connection, depth]
        keepalive = (f"-c tcp_keepalives_idle={KEEPALIVE_IDLE} "
                     f"-c tcp_keepalives_interval={KEEPALIVE_INTERVAL} "
                     f"-c tcp_keepalives_count={KEEPALIVE_COUNT}")
        self._locks = create_engine(
            engine.url, isolation_level="AUTOCOMMIT", hide_parameters=True,
            pool_size=10, max_overflow=-1, connect_args={
                "options": keepalive, "keepalives": 1, "keepalives_idle": KEEPALIVE_IDLE,
                "keepalives_interval": KEEPALIVE_INTERVAL,
                "keepalives_count": KEEPALIVE_COUNT})
        ping_when_idle(self._locks)
        errors_without_row_data(self._locks)

    @contextmanager
    def exclusive(self, kind: Kind, key: int, *, timeout: float | None = None) -> Iterator[None]:
        name = (Kind(kind), key)
        deadline = None if timeout is None else time.monotonic() + timeout
        # The local lease is reentrant and lets one thread at a time past: only its holder
        # touches this name's session, so the dict needs no lock of its own.
        with self._local.exclusive(*name, timeout=timeout):
            session = self._sessions.get(name)
            if session is None:
                session = self._sessions[name] = [self._lock(name, deadline, timeout), 0]
            session[1] += 1
            try:
                yield
            finally:
                session[1] -= 1
                if not session[1]:
                    del self._sessions[name]
                    self._unlock(name, session[0])

    def run_once(self, job: str, period: float) -> bool:
        claim = insert(jobs).values(name=job, claimed_until=self._now + period)
        claim = claim.on_conflict_do_update(
            index_elements=[jobs.c.name],
            set_={"claimed_until": claim.excluded.claimed_until},
            where=jobs.c.claimed_until <= self._now).returning(literal_column("1"))
        with self.engine.begin() as conn:
            return conn.execute(claim).first() is not None

    def forget_claims(self, prefix: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(jobs.delete().where(jobs.c.name.startswith(prefix, autoescape=True),
                                             jobs.c.claimed_until <= self._now))

    def dispose(self) -> None:
        self._locks.dispose()

    def _lock(self, name: tuple[Kind, int], deadline: float | None,
              timeout: float | None) -> Connection:
        conn = self._locks.connect()
        keys = dict(zip(("a", "b"), lock_keys(*name)))
        try:
            if deadline is None:
                conn.execute(text("SELECT pg_advisory_lock(:a, :b)"), keys)
                return conn
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                if conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), keys).scalar():
                    return conn
                raise LeaseBusy(name[0], name[1], timeout)
            conn.execute(text(f"SET lock_timeout = {left_ms}"))
            try:
                conn.execute(text("SELECT pg_advisory_lock(:a, :b)"), keys)
            finally:
                conn.execute(text("RESET lock_timeout"))
            return conn
        except DBAPIError as exc:
            conn.close()
            if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
                raise LeaseBusy(name[0], name[1], timeout) from None
            raise
        except BaseException:
            conn.close()
            raise

    def _unlock(self, name: tuple[Kind, int], conn: Connection) -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"),
                         dict(zip(("a", "b"), lock_keys(*name))))
        except DBAPIError:
            # A broken connection: its session (and so its lock) is gone; never reuse it.
            conn.invalidate()
        finally:
            conn.close()


def leases_for(engine: Engine) -> Leases:
    """Leases in the database where several processes can share it, else in this process
    (SQLite: one process)."""
    return DatabaseLeases(engine) if engine.dialect.name == "postgresql" else LocalLeases()
