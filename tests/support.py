"""Small helpers the test suites share: waiting with a deadline, free ports, stopping
subprocesses."""

from __future__ import annotations

import socket
import subprocess
import time


def wait_for(predicate, timeout: float = 10, what: str | None = "condition"):
    """Poll ``predicate`` until it returns something truthy, which is returned. On timeout,
    fail naming ``what`` (or, with ``what=None``, return None: "it never happened")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.02)
    assert what is None, f"timed out waiting for {what}"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc: subprocess.Popen | None, timeout: float = 15) -> None:
    """Terminate, then kill if it will not go."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
