"""Leases in PostgreSQL: the promises of LocalLeases kept across processes. Each
``DatabaseLeases`` below has its own connections, as another process would; one test runs a
real second process and kills it with SIGKILL while it holds a lease."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import pytest
from sqlalchemy import create_engine

from bridge.model import Kind
from bridge.store import Store
from bridge.store.db_leases import DatabaseLeases, leases_for
from bridge.store.leases import LeaseBusy, LocalLeases
from bridge.store.schema import jobs

from tests.support import wait_for


@pytest.fixture
def processes(postgresql_url):
    """Three stores on one database, like three server processes."""
    stores = [Store(postgresql_url) for _ in range(3)]
    yield stores
    for store in stores:
        store.leases.dispose()
        store.engine.dispose()


def test_the_store_picks_database_leases_on_postgresql_and_local_ones_on_sqlite(processes,
                                                                                tmp_path):
    assert isinstance(processes[0].leases, DatabaseLeases)
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(leases_for(engine), LocalLeases)


def test_a_lease_held_by_one_process_keeps_out_the_others_until_released(processes):
    a, b, c = (s.leases for s in processes)
    with a.exclusive(Kind.EVENTS, 7):
        with pytest.raises(LeaseBusy):
            with b.exclusive(Kind.EVENTS, 7, timeout=0):
                pass
        with pytest.raises(LeaseBusy):
            with c.exclusive(Kind.EVENTS, 7, timeout=0.2):
                pass
        with b.exclusive(Kind.EVENTS, 8, timeout=0), b.exclusive(Kind.CALENDAR_LIST, 7,
                                                                 timeout=0):
            pass                        # other calendars and kinds are free
    with b.exclusive(Kind.EVENTS, 7, timeout=0):
        pass


def test_the_holding_thread_reenters_and_keeps_the_lease_until_the_outer_block_ends(processes):
    a, b = processes[0].leases, processes[1].leases
    with a.exclusive(Kind.EVENTS, 1):
        with a.exclusive(Kind.EVENTS, 1, timeout=0):
            pass
        with pytest.raises(LeaseBusy):
            with b.exclusive(Kind.EVENTS, 1, timeout=0):
                pass


def test_a_waiting_process_gets_the_lease_when_the_holder_lets_go(processes):
    a, b = processes[0].leases, processes[1].leases
    order = []

    def waiter():
        with b.exclusive(Kind.EVENTS, 3):
            order.append("waiter")

    with a.exclusive(Kind.EVENTS, 3):
        thread = threading.Thread(target=waiter)
        thread.start()
        wait_for(lambda: _waits_for_advisory_lock(processes[0]), what="waiter to queue")
        order.append("holder")
    thread.join(30)
    assert order == ["holder", "waiter"]


def _waits_for_advisory_lock(store: Store) -> bool:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).scalar() > 0


def test_a_job_is_claimed_once_per_period_across_processes(processes):
    results = [s.leases.run_once("poll", 3600) for s in processes * 2]
    assert results.count(True) == 1
    assert processes[0].leases.run_once("prune", 3600)      # another job: its own claim
    assert not processes[2].leases.run_once("prune", 3600)


def test_a_claim_that_expired_is_won_again_by_exactly_one_process(processes):
    assert processes[0].leases.run_once("channels", 0.05)
    wait_for(lambda: any(s.leases.run_once("channels", 3600) for s in processes),
             what="the claim to expire")
    assert not any(s.leases.run_once("channels", 3600) for s in processes)


def test_forgetting_claims_drops_only_ended_ones_of_the_prefix(processes):
    first, other = processes[0].leases, processes[1].leases
    assert first.run_once("push-message:a:1", 0.05)
    assert first.run_once("push-message:a:2", 3600)
    assert first.run_once("poll", 0.05)
    wait_for(lambda: first.run_once("poll", 0.05), what="the claims to end")
    other.forget_claims("push-message:")
    with processes[0].engine.connect() as conn:
        names = {row.name for row in conn.execute(jobs.select())}
    assert names == {"push-message:a:2", "poll"}
    assert not other.run_once("push-message:a:2", 3600)     # a live claim still counts


def _hold_forever(url: str, ready) -> None:
    store = Store(url)
    with store.leases.exclusive(Kind.EVENTS, 42):
        ready.set()
        threading.Event().wait()


def test_a_killed_holder_loses_its_lease_to_a_waiting_process(processes, postgresql_url):
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold_forever, args=(postgresql_url, ready), daemon=True)
    holder.start()
    assert ready.wait(60)
    with pytest.raises(LeaseBusy):
        with processes[0].leases.exclusive(Kind.EVENTS, 42, timeout=0):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(30)
    # The server notices the closed connection and ends the session with its lock.
    with processes[0].leases.exclusive(Kind.EVENTS, 42, timeout=30):
        pass
