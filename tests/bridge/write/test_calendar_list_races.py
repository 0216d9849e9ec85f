"""A collection made, renamed or deleted (or its account unlinked) while a sync of the
account's calendar list is on its way back from Google keeps its outcome: the list sync,
which read Google before, neither forgets the new collection, nor restores the old name, nor
brings back the deleted one or the unlinked account's calendars."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.bridge.write.conftest import SCOPES
from tests.support import wait_for


@pytest.fixture
def bridge(make_core):
    return make_core(allow_calendar_delete=True)


@pytest.fixture
def list_sync_in_flight(bridge, control):
    """Starts a list sync whose answer for ``method`` (read at once) arrives 1.5 s late."""
    pool = ThreadPoolExecutor(1)

    def start(account_id: int, method: str):
        control.post("/stats/reset")
        control.post("/faults", {"kind": "slow_reply", "method": method, "seconds": 1.5})
        syncing = pool.submit(bridge.engine.sync_calendar_list, account_id)
        wait_for(lambda: control.calls().get(method), 10, f"{method} to be read")
        return syncing
    yield start
    pool.shutdown()


@pytest.mark.parametrize("component, method", [("VEVENT", "calendarList.list"),
                                               ("VTODO", "tasklists.list")])
def test_a_collection_made_meanwhile_stays_where_it_was_made(bridge, new_account,
                                                             list_sync_in_flight, component,
                                                             method):
    account_id = bridge.link_info("alice", {**new_account("races"), "scopes": SCOPES})
    syncing = list_sync_in_flight(account_id, method)
    made = bridge.create_collection("alice", "errands", {"name": "Errands"},
                                    component=component)
    syncing.result(10)
    assert bridge.calendar("alice", "errands", fresh=False).id == made.id
    bridge.engine.sync_calendar_list(account_id)            # and Google agrees
    assert bridge.calendar("alice", "errands", fresh=False).id == made.id


def test_a_calendar_deleted_meanwhile_stays_deleted(bridge, control, new_account,
                                                    list_sync_in_flight):
    account = new_account("races")
    control.post("/calendars", {"owner": account["account"], "summary": "Old"})
    account_id = bridge.link_info("alice", account)
    old = next(c for c in bridge.store.calendars_of_account(account_id) if c.name == "Old")
    syncing = list_sync_in_flight(account_id, "calendarList.list")
    bridge.delete_calendar(old.id)
    syncing.result(10)
    assert "Old" not in {c.name for c in bridge.store.calendars_of_account(account_id)}


@pytest.mark.parametrize("component, method", [("VEVENT", "calendarList.list"),
                                               ("VTODO", "tasklists.list")])
def test_a_collection_renamed_meanwhile_keeps_its_new_name(bridge, new_account,
                                                           list_sync_in_flight, component,
                                                           method):
    account_id = bridge.link_info("alice", {**new_account("races"), "scopes": SCOPES})
    made = bridge.create_collection("alice", "errands", {"name": "Errands"},
                                    component=component)
    syncing = list_sync_in_flight(account_id, method)
    bridge.set_properties(made.id, {"name": "Chores"})
    syncing.result(10)
    assert bridge.store.calendar(made.id).name == "Chores"


def test_an_account_unlinked_meanwhile_stays_unlinked(bridge, new_account,
                                                      list_sync_in_flight):
    account = new_account("races")
    account_id = bridge.link_info("alice", account)
    syncing = list_sync_in_flight(account_id, "calendarList.list")
    bridge.unlink("alice", account["account"])
    syncing.result(10)
    assert bridge.store.calendars_of_account(account_id) == []
    assert bridge.store.accounts("alice") == []
