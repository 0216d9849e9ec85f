"""SyncQueue: one run at a time per key, bursts fold into at most one more run, nothing
asked for during a run is lost, and different keys run side by side."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bridge.background.coalesce import SyncQueue


class Recorder:
    """run(key) that takes ``seconds`` and records overlaps."""

    def __init__(self, seconds: float):
        self.seconds, self.runs, self.active, self.overlaps = seconds, [], {}, 0
        self.lock = threading.Lock()

    def __call__(self, key):
        with self.lock:
            self.active[key] = self.active.get(key, 0) + 1
            self.overlaps += self.active[key] > 1
            self.runs.append((key, time.monotonic()))
        time.sleep(self.seconds)
        with self.lock:
            self.active[key] -= 1


@pytest.fixture
def pool():
    with ThreadPoolExecutor(8) as executor:
        yield executor


def queue_for(run, pool) -> SyncQueue:
    def submit(work, delay):
        pool.submit(lambda: (time.sleep(delay), work()))
    return SyncQueue(run, submit)


def settle(queue, keys, wait_for):
    wait_for(lambda: not any(queue.busy(k) for k in keys), 5, "the queue to drain")


def test_a_burst_of_50_requests_runs_at_most_twice_and_never_overlaps(pool, wait_for):
    # A burst folds into two runs if it is shorter than two delays plus one run (a delay
    # long enough for a loaded machine to send the burst within it).
    run = Recorder(0.05)
    queue = queue_for(run, pool)
    started = time.monotonic()
    for _ in range(50):
        queue.request("cal", 0.5)
        time.sleep(0.002)
    assert time.monotonic() - started < 1.0
    settle(queue, ["cal"], wait_for)
    assert 1 <= len(run.runs) <= 2 and run.overlaps == 0


def test_a_request_during_a_run_gets_exactly_one_more_run(pool, wait_for):
    run = Recorder(0.2)
    queue = queue_for(run, pool)
    assert queue.request("cal") is True
    wait_for(lambda: run.runs, 10, "the first run")
    assert queue.request("cal") is False and queue.request("cal") is False
    settle(queue, ["cal"], wait_for)
    assert len(run.runs) == 2 and run.overlaps == 0
    assert run.runs[1][1] - run.runs[0][1] >= 0.2     # after the first, not beside it


def test_different_keys_run_side_by_side(pool, wait_for):
    together, met = threading.Barrier(3, timeout=10), []

    def run(key):
        together.wait()         # passes only once all three runs are going at the same time
        met.append(key)
    queue = queue_for(run, pool)
    for key in ("a", "b", "c"):
        queue.request(key)
    wait_for(lambda: len(met) == 3, 10, "three runs going at once")
    assert sorted(met) == ["a", "b", "c"]


def test_a_failing_run_does_not_wedge_its_key(pool, wait_for):
    calls = []

    def run(key):
        calls.append(key)
        raise RuntimeError("Google said no")
    queue = queue_for(run, pool)
    queue.request("cal")
    settle(queue, ["cal"], wait_for)
    assert queue.request("cal") is True
    settle(queue, ["cal"], wait_for)
    assert calls == ["cal", "cal"]
