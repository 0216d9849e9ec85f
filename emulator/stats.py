"""Counts of API calls per method (``events.list`` ...), for tests that assert on cost."""

from __future__ import annotations

import threading
from collections import Counter


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()

    def count(self, method: str) -> None:
        with self._lock:
            self._calls[method] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"calls": dict(self._calls)}

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
