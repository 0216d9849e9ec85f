"""Leases: one sync or write of a watched thing at a time, in arrival order, reentrant on the
holding thread; periodic jobs claimed once per period."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest

from bridge.model import Kind
from bridge.store import Store
from bridge.store.leases import LeaseBusy, Leases, LocalLeases

from tests.support import wait_for


class Holder:
    """A thread that takes a lease, reports it, and keeps it until told to let go."""

    def __init__(self, leases: LocalLeases, kind: Kind, key: int, name: str, log: list,
                 timeout: float | None = None):
        self.entered, self.release = threading.Event(), threading.Event()
        self.error: Exception | None = None

        def run():
            try:
                with leases.exclusive(kind, key, timeout=timeout):
                    log.append(name)
                    self.entered.set()
                    self.release.wait(30)
            except LeaseBusy as exc:
                self.error = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def finish(self) -> None:
        self.release.set()
        self.thread.join(30)
        assert not self.thread.is_alive()


def test_the_store_coordinates_through_local_leases(store):
    assert isinstance(store.leases, LocalLeases) and isinstance(store.leases, Leases)


def test_a_store_takes_other_leases(tmp_path):
    leases = LocalLeases()
    assert Store(f"sqlite:///{tmp_path / 'db'}", leases=leases).leases is leases


def test_a_held_lease_excludes_other_threads_but_not_other_things():
    leases, log = LocalLeases(), []
    holder = Holder(leases, Kind.EVENTS, 1, "holder", log)
    assert holder.entered.wait(30)
    other_thing = Holder(leases, Kind.EVENTS, 2, "other calendar", log)
    other_kind = Holder(leases, Kind.CALENDAR_LIST, 1, "account 1's list", log)
    assert other_thing.entered.wait(30) and other_kind.entered.wait(30)
    busy = Holder(leases, Kind.EVENTS, 1, "busy", log, timeout=0)
    busy.finish()
    assert isinstance(busy.error, LeaseBusy) and "busy" not in log
    waiter = Holder(leases, Kind.EVENTS, 1, "waiter", log)
    wait_for(lambda: leases.waiting(Kind.EVENTS, 1) == 1, what="the waiter to queue")
    assert not waiter.entered.is_set()
    holder.finish()
    assert waiter.entered.wait(30)
    for h in (waiter, other_thing, other_kind):
        h.finish()
    assert leases.waiting(Kind.EVENTS, 1) == 0


def test_the_holder_may_take_its_lease_again_and_keeps_it_until_the_outermost_exit():
    leases, log = LocalLeases(), []
    with leases.exclusive(Kind.EVENTS, 7):
        with leases.exclusive("events", 7):          # a write syncing its own calendar
            pass
        probe = Holder(leases, Kind.EVENTS, 7, "probe", log, timeout=0)
        probe.finish()
        assert isinstance(probe.error, LeaseBusy)   # still held after the inner exit
    probe = Holder(leases, Kind.EVENTS, 7, "probe", log, timeout=0)
    assert probe.entered.wait(30)
    probe.finish()


def test_waiters_are_served_in_arrival_order():
    leases, log = LocalLeases(), []
    with ExitStack() as stack:
        stack.enter_context(leases.exclusive(Kind.EVENTS, 1))
        waiters = []
        for n in range(5):
            waiters.append(Holder(leases, Kind.EVENTS, 1, f"w{n}", log))
            wait_for(lambda: leases.waiting(Kind.EVENTS, 1) == n + 1, what=f"w{n} to queue")
    for waiter in waiters:          # each holds until released: the next one waits meanwhile
        assert waiter.entered.wait(30)
        waiter.finish()
    assert log == [f"w{n}" for n in range(5)]


def test_a_timeout_raises_lease_busy_and_leaves_the_queue():
    leases, log = LocalLeases(), []
    holder = Holder(leases, Kind.CALENDAR_LIST, 3, "holder", log)
    assert holder.entered.wait(30)
    behind = Holder(leases, Kind.CALENDAR_LIST, 3, "behind", log)
    wait_for(lambda: leases.waiting(Kind.CALENDAR_LIST, 3) == 1, what="behind to queue")
    with pytest.raises(LeaseBusy, match="list 3 is busy") as caught:
        with leases.exclusive(Kind.CALENDAR_LIST, 3, timeout=0.05):
            pass
    assert isinstance(caught.value, TimeoutError)
    assert (caught.value.kind, caught.value.key) == (Kind.CALENDAR_LIST, 3)
    assert leases.waiting(Kind.CALENDAR_LIST, 3) == 1             # only "behind" is left
    holder.finish()
    assert behind.entered.wait(30)
    behind.finish()
    assert log == ["holder", "behind"]


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_run_once_answers_true_once_per_period():
    clock = FakeClock()
    leases = LocalLeases(clock=clock)
    assert leases.run_once("poll", 60)
    assert not leases.run_once("poll", 60)
    assert leases.run_once("prune", 3600)            # jobs are independent
    clock.now += 59.9
    assert not leases.run_once("poll", 60)
    clock.now += 0.1
    assert leases.run_once("poll", 60)
    assert not leases.run_once("poll", 60)
    assert not leases.run_once("prune", 3600)


def test_forgetting_claims_drops_only_ended_ones_of_the_prefix():
    clock = FakeClock()
    leases = LocalLeases(clock=clock)
    assert leases.run_once("push-message:a:1", 10)
    assert leases.run_once("push-message:a:2", 3600)
    assert leases.run_once("poll", 10)
    clock.now += 10
    leases.forget_claims("push-message:")
    assert leases._claimed_until.keys() == {"push-message:a:2", "poll"}
    assert not leases.run_once("push-message:a:2", 3600)


def test_of_many_threads_racing_for_a_job_exactly_one_wins():
    leases = LocalLeases(clock=FakeClock())
    start = threading.Barrier(16)
    results = []

    def race():
        start.wait(30)
        results.append(leases.run_once("channels", 300))

    threads = [threading.Thread(target=race) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [False] * 15 + [True]
