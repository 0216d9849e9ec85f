"""Exponential backoff per key (an account, a calendar, a channel to create), and which
Google failures pause a whole account."""

from __future__ import annotations

import threading
import time
from typing import Callable, Hashable

from ..google import GoogleError, QuotaExceeded, RateLimited, Unavailable


def account_wide(exc: Exception) -> bool:
    """Failures that would hit every calendar of the account alike (rate limits, credentials
    refused, Google not answering): pause the account rather than try each calendar."""
    return isinstance(exc, (RateLimited, QuotaExceeded, Unavailable)) or (
        isinstance(exc, GoogleError) and exc.status == 401)


class Backoff:
    """``fail(key)`` pauses the key for first, 2·first, 4·first … up to ``cap`` seconds (or
    longer if Google asked for it); ``clear(key)`` after a success starts over."""

    def __init__(self, first: float, cap: float, clock: Callable[[], float] = time.time):
        self.first, self.cap, self.clock = first, cap, clock
        self._until: dict[Hashable, float] = {}
        self._failures: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def active(self, key: Hashable) -> bool:
        with self._lock:
            return self._until.get(key, 0.0) > self.clock()

    def fail(self, key: Hashable, at_least: float | None = None) -> float:
        """Record a failure; answers the pause in seconds."""
        with self._lock:
            failures = self._failures[key] = self._failures.get(key, 0) + 1
            pause = min(self.cap, self.first * 2 ** (failures - 1))
            pause = max(pause, at_least or 0.0)
            self._until[key] = self.clock() + pause
            return pause

    def clear(self, key: Hashable) -> None:
        with self._lock:
            self._until.pop(key, None)
            self._failures.pop(key, None)
