"""Task lists synced from the emulator's Tasks API by a real Bridge and store: the first
listing in pages of 100, incremental listings by ``updatedMin`` that skip what is known,
the periodic full re-list that catches what they miss, and accounts without the scope."""

from __future__ import annotations

import pytest

from bridge.model import Kind
from bridge.service import Bridge
from bridge.sync.tasks import FULL_EVERY

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
TASKS_SCOPE = "https://www.googleapis.com/auth/tasks"


@pytest.fixture
def account(new_account):
    return {**new_account("tasks"), "scopes": [CALENDAR_SCOPE, TASKS_SCOPE]}


def task_lists(bridge: Bridge, account_id: int):
    return [c for c in bridge.store.calendars_of_account(account_id) if c.kind is Kind.TASKS]


def base(control, email: str) -> str:
    default = control.get(f"/accounts/{email}/tasklists")["default"]
    return f"/accounts/{email}/tasklists/{default}"


def test_250_tasks_import_in_three_pages_after_one_list_lookup(bridge, control, account):
    control.post(base(control, account["account"]) + "/tasks:bulk", {"generate": 250})
    control.post("/stats/reset")
    account_id = bridge.link_info("alice", account)
    [tasks] = task_lists(bridge, account_id)
    calls = control.calls()
    assert (calls.get("tasklists.list"), calls.get("tasks.list")) == (1, 3)
    assert len(bridge.all_items(tasks.id)) == 250
    assert (tasks.name, tasks.slug) == ("My Tasks", "tasks-my-tasks")


def test_incremental_listing_takes_only_changes(bridge, control, account, clock):
    path = base(control, account["account"])
    control.post(path + "/tasks:bulk", {"generate": 5})
    account_id = bridge.link_info("alice", account)
    [tasks] = task_lists(bridge, account_id)
    revision = bridge.store.calendar(tasks.id).revision

    control.post("/stats/reset")
    assert bridge.engine.sync_calendar(tasks.id) == 0       # re-listed by the margin: known
    assert bridge.store.calendar(tasks.id).revision == revision
    first = control.get(path + "/tasks")["items"][0]
    control.patch(path + f"/tasks/{first['id']}", {"notes": "changed"})
    assert bridge.engine.sync_calendar(tasks.id) == 1
    assert control.calls()["tasks.list"] == 2
    [item] = bridge.items(tasks.id, [first["id"] + ".ics"])
    assert "DESCRIPTION:changed" in item.text


def test_full_relist_catches_a_task_moved_to_another_list(bridge, control, account, clock):
    email = account["account"]
    path = base(control, email)
    moved = control.post(path + "/tasks", {"title": "Wanders off"})
    account_id = bridge.link_info("alice", account)
    other = control.post(f"/accounts/{email}/tasklists", {"title": "Elsewhere"})
    control.post(path + f"/tasks/{moved['id']}/move?destinationTasklist={other['id']}")
    [tasks] = [t for t in task_lists(bridge, account_id) if t.name == "My Tasks"]

    bridge.engine.sync_calendar(tasks.id)           # incremental: the task just vanished
    assert len(bridge.all_items(tasks.id)) == 1
    clock.now += FULL_EVERY
    bridge.engine.sync_calendar(tasks.id)           # the periodic full listing sees it
    assert bridge.all_items(tasks.id) == []


def test_lists_follow_google_and_survive_calendar_list_syncs(bridge, control, account):
    email = account["account"]
    other = control.post(f"/accounts/{email}/tasklists", {"title": "Groceries"})
    account_id = bridge.link_info("alice", account)
    assert {t.name for t in task_lists(bridge, account_id)} == {"My Tasks", "Groceries"}
    control.patch(f"/accounts/{email}/tasklists/{other['id']}", {"title": "Shopping"})
    bridge.engine.sync_calendar_list(account_id)
    assert {t.name for t in task_lists(bridge, account_id)} == {"My Tasks", "Shopping"}
    control.delete(f"/accounts/{email}/tasklists/{other['id']}")
    bridge.engine.sync_calendar_list(account_id)
    assert {t.name for t in task_lists(bridge, account_id)} == {"My Tasks"}


def test_credentials_without_the_tasks_scope_serve_no_task_lists(bridge, control, new_account,
                                                                  caplog):
    control.post("/stats/reset")
    account_id = bridge.link_info("alice", new_account("events-only"))
    assert task_lists(bridge, account_id) == []
    assert "tasklists.list" not in control.calls()
    assert bridge.store.calendars_of_account(account_id)        # the calendar is served


def test_a_refused_tasks_scope_serves_no_task_lists_and_says_so_once(bridge, control, account,
                                                                     caplog):
    control.post("/faults", {"kind": "error", "method": "tasklists.list", "status": 403,
                             "reason": "insufficientPermissions", "count": 2})
    account_id = bridge.link_info("alice", account)
    bridge.engine.sync_calendar_list(account_id)
    assert task_lists(bridge, account_id) == []
    refusals = [r for r in caplog.records if "refused the task lists" in r.getMessage()]
    assert len(refusals) == 1
