"""``gcaldav serve --workers N``: several serving processes on one machine, as gunicorn's
pre-fork model without gunicorn.

The parent binds the listening sockets, then forks N workers; each starts its own request
threads, app, database connections and background work on the inherited sockets (accepting
without blocking, so workers woken for one connection never stall each other). The database
hands each piece of background work to one process per period, exactly as for processes on
several hosts. The parent only supervises: a worker that dies is replaced; SIGTERM or Ctrl-C
stops them all. Needs PostgreSQL (SQLite allows one process).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Callable

from radicale import config

log = logging.getLogger("gcaldav.workers")

RESTART_DELAY = 1.0         # seconds before a dead worker is replaced
QUICK_EXIT = 10.0           # a worker dying this soon after starting failed to start
MAX_QUICK_EXITS = 3         # ... and this many such failures in a row give up
STOP_TIMEOUT = 30.0         # seconds workers get to finish before SIGKILL


class _Stop(Exception):
    """A signal asked the parent to stop (raised so that os.wait is not retried)."""


def check_shared_database(database: str, workers: int) -> None:
    if workers > 1 and database.startswith("sqlite"):
        raise RuntimeError("--workers needs PostgreSQL ([storage] database = "
                           "postgresql+psycopg://...): SQLite allows one process")


def serve(configuration: config.Configuration, host: str | None, port: int | None,
          workers: int, on_ready: Callable[[object], None]) -> int:
    """Bind, fork ``workers`` serving processes and supervise them until stopped; answers
    the exit status."""
    from .server import bind

    server = bind(configuration, host, port)
    try:
        for each in (server, *server.siblings):
            each.socket.setblocking(False)      # another worker may take the connection
        on_ready(server)
        return Supervisor(lambda: _work(server, configuration), workers).run()
    finally:
        server.server_close()       # the parent's copies; no pool or bridge here


def _work(server, configuration: config.Configuration) -> None:
    """A worker's life: serve on the inherited sockets until SIGTERM or Ctrl-C."""
    from .server import start

    def stop(_signum, _frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        start(server, configuration)
        server.serve_forever()
    finally:
        server.server_close()       # stops the request threads and the background work


class Supervisor:
    """Keeps ``count`` forked processes running ``target``."""

    def __init__(self, target: Callable[[], None], count: int):
        self.target, self.count = target, count
        self.children: dict[int, float] = {}        # pid -> when started
        self.quick_exits = 0

    def run(self) -> int:
        if threading.active_count() > 1:    # a forked thread would hold locks forever
            raise RuntimeError("cannot fork workers: the parent already runs threads")
        previous = {s: signal.signal(s, self._raise) for s in (signal.SIGTERM, signal.SIGINT)}
        status = 0
        try:
            for _ in range(self.count):
                self._spawn()
            while status == 0:
                pid, code = os.wait()
                status = self._ended(pid, code)
        except _Stop:
            pass
        finally:
            for signum in previous:
                signal.signal(signum, signal.SIG_IGN)
            self._stop_all()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return status

    def _raise(self, _signum, _frame) -> None:
        raise _Stop

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                self.target()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                log.exception("worker %d failed", os.getpid())
            finally:
                logging.shutdown()
                os._exit(code)
        self.children[pid] = time.monotonic()
        log.info("worker %d started", pid)

    def _ended(self, pid: int, code: int) -> int:
        """A worker ended on its own: replace it (a non-zero answer stops everything)."""
        started = self.children.pop(pid, None)
        if started is None:
            return 0
        log.warning("worker %d ended (%s); starting another", pid, _describe(code))
        self.quick_exits = self.quick_exits + 1 if time.monotonic() - started < QUICK_EXIT \
            else 0
        if self.quick_exits >= MAX_QUICK_EXITS:
            log.error("workers keep failing right after starting; stopping")
            return 1
        time.sleep(RESTART_DELAY)
        self._spawn()
        return 0

    def _stop_all(self) -> None:
        for pid in self.children:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self.children and time.monotonic() < deadline:
            for pid in list(self.children):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    del self.children[pid]
            time.sleep(0.05)
        for pid in self.children:
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        self.children.clear()


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _describe(code: int) -> str:
    if os.WIFSIGNALED(code):
        return f"signal {os.WTERMSIG(code)}"
    return f"exit status {os.waitstatus_to_exitcode(code)}"
