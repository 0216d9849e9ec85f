"""Coalescing sync requests: at most one run per key at a time, and requests that arrive
while a run is queued or running fold into at most one more run.

Push notifications come in bursts (one per changed event) and at least once; each only says
"something changed", so one incremental sync after the burst answers all of them. A short
delay before a push-triggered run lets the rest of the burst arrive first.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Hashable

log = logging.getLogger(__name__)

Submit = Callable[[Callable[[], None], float], None]    # submit(work, delay_seconds)


class SyncQueue:
    def __init__(self, run: Callable[[Hashable], None], submit: Submit):
        self._run, self._submit = run, submit
        self._queued: set[Hashable] = set()
        self._running: set[Hashable] = set()
        self._again: dict[Hashable, float] = {}      # key -> delay of the run to follow
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
        self._submit(lambda: self._work(key), delay)
        return True

    def busy(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._queued or key in self._running

    def _work(self, key: Hashable) -> None:
        with self._lock:
            self._queued.discard(key)
            self._running.add(key)
        try:
            self._run(key)
        except Exception:       # one failing key must not take the worker down
            log.exception("background sync of %s failed", key)
        finally:
            with self._lock:
                self._running.discard(key)
                again = self._again.pop(key, None)
            if again is not None:
                self.request(key, again)
