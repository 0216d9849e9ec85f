"""The OAuth clock: wall time plus an offset tests can advance through the control API, so
that authorization codes, access tokens and Testing-status refresh tokens can be aged without
waiting."""

from __future__ import annotations

import threading
import time


class Clock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self.offset += seconds
            return self.offset
