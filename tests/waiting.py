"""Waiting for asynchronous effects with a deadline (no fixed sleeps in tests)."""

from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 10, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy, which is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
