"""Coalescing sync requests: at most one run per key at a time, and requests that arrive
while a run is queued or running fold into at most one more run.

Push notifications come in bursts (one per changed event) and at least once; each only says
"something changed", so one incremental sync after the burst answers all of them. A short
delay before a push-triggered run lets the rest of the burst arrive first.

Fairness between groups (accounts): keys that are due wait here, not in the executor, and
at most ``slots`` runs are handed to it at once — at most ``per_group`` of them for one
group, the groups served in turn. One account's burst of syncs (many calendars, slow or
rate-limited answers) thus never holds every worker, and another account's sync starts as
soon as a slot frees instead of behind the whole burst.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Callable, Hashable

log = logging.getLogger(__name__)

Submit = Callable[[Callable[[], None], float], None]    # submit(work, delay_seconds)


class SyncQueue:
    """``submit(work, 0)`` runs a sync on a worker; ``later(work, delay)`` (default:
    ``submit``) runs quick bookkeeping after a delay; ``group(key)`` names the key's account."""

    def __init__(self, run: Callable[[Hashable], None], submit: Submit, *,
                 later: Submit | None = None,
                 group: Callable[[Hashable], Hashable] = lambda key: key,
                 slots: int = 1 << 30, per_group: int = 1 << 30):
        self._run, self._submit, self._later = run, submit, later or submit
        self._group, self.slots, self.per_group = group, slots, per_group
        self._queued: set[Hashable] = set()             # delayed or waiting for a slot
        self._running: set[Hashable] = set()
        self._again: dict[Hashable, float] = {}        # key -> delay of the run to follow
        self._waiting: dict[Hashable, deque] = {}      # group -> keys due, in order
        self._turns: deque = deque()                   # groups with keys due, next first
        self._busy: dict[Hashable, int] = {}           # group -> runs handed out
        self._out = 0
        self._lock = threading.Lock()

    def request(self, key: Hashable, delay: float = 0.0) -> bool:
        """Ask for a run of ``key``; False if it folded into one already queued or due."""
        with self._lock:
            if key in self._queued:
                return False
            if key in self._running:
                self._again[key] = min(delay, self._again.get(key, delay))
                return False
            self._queued.add(key)
        if delay > 0:
            self._later(lambda: self._due(key), delay)
        else:
            self._due(key)
        return True

    def busy(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._queued or key in self._running

    def waiting(self) -> dict[Hashable, int]:
        """Keys due but not yet running, per group."""
        with self._lock:
            return {group: len(keys) for group, keys in self._waiting.items() if keys}

    def _group_of(self, key: Hashable) -> Hashable:
        try:
            return self._group(key)
        except Exception:       # e.g. its calendar is gone: the run will find out
            log.exception("cannot tell the account of %s", key)
            return key

    def _due(self, key: Hashable) -> None:
        group = self._group_of(key)
        with self._lock:
            keys = self._waiting.setdefault(group, deque())
            if not keys and group not in self._turns:
                self._turns.append(group)
            keys.append((key, group))
        self._dispatch()

    def _dispatch(self) -> None:
        starts = []
        with self._lock:
            while self._out < self.slots:
                picked = self._next_group()
                if picked is None:
                    break
                key, group = self._waiting[picked].popleft()
                self._queued.discard(key)
                self._running.add(key)
                self._busy[group] = self._busy.get(group, 0) + 1
                self._out += 1
                starts.append((key, group))
        for key, group in starts:
            self._submit(lambda k=key, g=group: self._work(k, g), 0.0)

    def _next_group(self) -> Hashable | None:
        """The first group in turn with a key due and a free share; it goes to the back."""
        for _ in range(len(self._turns)):
            group = self._turns.popleft()
            keys = self._waiting.get(group)
            if not keys:
                self._waiting.pop(group, None)
                continue
            self._turns.append(group)
            if self._busy.get(group, 0) < self.per_group:
                return group
        return None

    def _work(self, key: Hashable, group: Hashable) -> None:
        try:
            self._run(key)
        except Exception:       # one failing key must not take the worker down
            log.exception("background sync of %s failed", key)
        finally:
            with self._lock:
                self._running.discard(key)
                self._busy[group] -= 1
                if not self._busy[group]:
                    del self._busy[group]
                self._out -= 1
                again = self._again.pop(key, None)
            if again is not None:
                self.request(key, again)
            self._dispatch()
