"""Leases: the one coordination seam between syncs, client writes and background jobs.

Two promises, behind one interface so that several processes can share a database later:

``exclusive(kind, key)``
    Runs one sync or write of one watched thing (a calendar's events, keyed by the calendar;
    an account's calendar list, keyed by the account) at a time. Reentrant on the holding
    thread: a client write holds the lease and syncs the same calendar inside it. Waiters are
    served in arrival order, so a steady stream of syncs cannot starve a client write. With
    ``timeout``, ``LeaseBusy`` is raised if the lease is not acquired in time.

``run_once(job, period)``
    Claims a periodic background job ("poll", "channels", "prune", ...): answers True to
    exactly one caller per period, False to every other, so each period's work runs once.

``LocalLeases`` keeps these promises within one process (SQLite allows one writing process).
A database implementation shared by several processes must guarantee the same:

- mutual exclusion across processes for each (kind, key), e.g. a PostgreSQL advisory
  transaction lock or ``SELECT ... FOR UPDATE`` on a lease row, held for the whole sync or
  write, not only for a store transaction; reentrancy per thread as above;
- fairness: waiters acquire in the order they asked (a queue of lease requests, or locks that
  queue, as PostgreSQL's row and advisory locks do), and a timed-out waiter leaves the queue;
- a lease ends when its holder's process dies (a session-level lock ends with the
  connection; a lease row carries an expiry the holder renews), so a crash never blocks a
  calendar for good;
- ``run_once``: one row per job holding the end of its current claim; a caller wins by
  moving that end forward atomically (``UPDATE ... WHERE claimed_until <= now`` or
  ``SELECT ... FOR UPDATE SKIP LOCKED``), judged by the database's clock, so exactly one
  process wins per period even when their clocks disagree. A claim is never handed back: if
  the winner dies mid-job, the job runs again in the next period.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from contextlib import AbstractContextManager, contextmanager
from typing import Callable, Iterator

from ..model import Kind


class LeaseBusy(TimeoutError):
    """The lease was not acquired in time: another sync or write of the same thing runs."""

    def __init__(self, kind: Kind, key: int, timeout: float):
        super().__init__(f"{kind.value} {key} is busy: another sync or write did not finish "
                         f"within {timeout:g} s")
        self.kind, self.key = kind, key


class Leases(ABC):
    @abstractmethod
    def exclusive(self, kind: Kind, key: int, *,
                  timeout: float | None = None) -> AbstractContextManager[None]:
        """Hold the lease on (kind, key) for the ``with`` block; see the module docstring."""

    @abstractmethod
    def run_once(self, job: str, period: float) -> bool:
        """True for exactly one caller per ``period`` seconds of ``job``."""

    @abstractmethod
    def forget_claims(self, prefix: str) -> None:
        """Drop the ended claims of jobs named ``prefix...`` (one-off names, such as a push
        message's, would otherwise pile up)."""


class _Slot:
    """One (kind, key): its holder and the queue of waiters, oldest first."""

    def __init__(self, lock: threading.Lock):
        self.changed = threading.Condition(lock)
        self.owner: int | None = None
        self.depth = 0
        self.queue: deque[object] = deque()


class LocalLeases(Leases):
    """Leases among the threads of this process; ``clock`` dates the ``run_once`` claims."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._lock = threading.Lock()
        self._slots: dict[tuple[Kind, int], _Slot] = {}
        self._claimed_until: dict[str, float] = {}

    @contextmanager
    def exclusive(self, kind: Kind, key: int, *, timeout: float | None = None) -> Iterator[None]:
        slot = self._acquire((Kind(kind), key), timeout)
        try:
            yield
        finally:
            self._release((Kind(kind), key), slot)

    def waiting(self, kind: Kind, key: int) -> int:
        """How many threads wait for the lease (status pages; tests ordering waiters)."""
        with self._lock:
            slot = self._slots.get((Kind(kind), key))
            return len(slot.queue) if slot else 0

    def run_once(self, job: str, period: float) -> bool:
        with self._lock:
            now = self.clock()
            if now < self._claimed_until.get(job, float("-inf")):
                return False
            self._claimed_until[job] = now + period
            return True

    def forget_claims(self, prefix: str) -> None:
        with self._lock:
            now = self.clock()
            for job in [j for j, end in self._claimed_until.items()
                        if j.startswith(prefix) and end <= now]:
                del self._claimed_until[job]

    def _acquire(self, name: tuple[Kind, int], timeout: float | None) -> _Slot:
        me = threading.get_ident()
        with self._lock:
            slot = self._slots.setdefault(name, _Slot(self._lock))
            if slot.owner == me:
                slot.depth += 1
                return slot
            ticket = object()
            slot.queue.append(ticket)
            deadline = None if timeout is None else time.monotonic() + timeout
            while slot.owner is not None or slot.queue[0] is not ticket:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    slot.queue.remove(ticket)
                    self._forget_if_idle(name, slot)
                    slot.changed.notify_all()     # the next in line may be free to go now
                    raise LeaseBusy(name[0], name[1], timeout)
                slot.changed.wait(left)
            slot.queue.popleft()
            slot.owner, slot.depth = me, 1
            return slot

    def _release(self, name: tuple[Kind, int], slot: _Slot) -> None:
        with self._lock:
            slot.depth -= 1
            if slot.depth:
                return
            slot.owner = None
            self._forget_if_idle(name, slot)
            slot.changed.notify_all()

    def _forget_if_idle(self, name: tuple[Kind, int], slot: _Slot) -> None:
        if slot.owner is None and not slot.queue:
            del self._slots[name]
