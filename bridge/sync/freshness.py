"""A client request waits for Google at most a bounded time.

A request that finds its calendar stale asks for a sync, but a slow Google (40 s) must not
hold the client that long: the sync runs on its own thread, the request waits for it at most
``wait`` seconds and is then served from the store while the sync finishes. Requests for the
same thing share one such sync, so a slow Google costs one thread per calendar, not one per
request.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Hashable

log = logging.getLogger(__name__)


class BoundedWait:
    def __init__(self, wait: float = 5.0):
        self.wait = wait
        self._lock = threading.Lock()
        self._running: dict[Hashable, threading.Event] = {}

    def run(self, key: Hashable, job: Callable[[], None]) -> bool:
        """Start ``job`` unless one for ``key`` runs; True if it finished within the wait."""
        with self._lock:
            done = self._running.get(key)
            if done is None:
                done = self._running[key] = threading.Event()
                threading.Thread(target=self._work, args=(key, job, done), daemon=True,
                                 name=f"gcaldav-refresh-{key}").start()
        return done.wait(self.wait)

    def _work(self, key: Hashable, job: Callable[[], None], done: threading.Event) -> None:
        try:
            job()
        except Exception:       # a bug: the requests waiting are served from the store
            log.exception("refresh of %s failed", key)
        finally:
            with self._lock:
                self._running.pop(key, None)
            done.set()
