"""Task lists made and renamed through the bridge's façade reach the emulator's Tasks API."""

from __future__ import annotations

import pytest

from bridge import errors
from bridge.model import Kind

from tests.bridge.write.conftest import SCOPES


def titles(control, email: str) -> set[str]:
    return {entry["title"] for entry in control.get(f"/accounts/{email}/tasklists")["items"]}


def test_create_and_rename_a_task_list(bridge, control, new_account):
    account = {**new_account("lists"), "scopes": SCOPES}
    bridge.link_info("alice", account)
    made = bridge.create_task_list("alice", "errands", "Errands")
    assert (made.slug, made.name, made.kind) == ("errands", "Errands", Kind.TASKS)
    assert titles(control, account["account"]) == {"My Tasks", "Errands"}
    assert bridge.calendar("alice", "errands").google_id == made.google_id

    bridge.rename_task_list(made.id, "Weekend errands")
    assert titles(control, account["account"]) == {"My Tasks", "Weekend errands"}
    assert bridge.store.calendar(made.id).name == "Weekend errands"
    bridge.engine.sync_calendar_list(made.account_id)       # Google agrees: nothing moves
    assert bridge.calendar("alice", "errands").name == "Weekend errands"


def test_refusals(bridge, new_account):
    bridge.link_info("alice", {**new_account("lists"), "scopes": SCOPES})
    with pytest.raises(errors.Invalid):
        bridge.create_task_list("alice", "Not Safe!", "x")
    with pytest.raises(errors.Conflict):
        bridge.create_task_list("alice", "tasks-my-tasks", "Again")
    with pytest.raises(errors.Invalid):
        bridge.create_task_list("alice", "long", "x" * 1025)


def test_no_task_lists_without_the_scope(bridge, new_account):
    bridge.link_info("bob", new_account("events-only"))
    with pytest.raises(errors.Unsupported):
        bridge.create_task_list("bob", "errands", "Errands")


def test_a_task_list_holds_only_a_name(bridge, control, new_account):
    account = {**new_account("lists"), "scopes": SCOPES}
    bridge.link_info("alice", account)
    made = bridge.create_collection("alice", "chores", {"name": "Chores"}, component="VTODO")
    with pytest.raises(errors.Unsupported):
        bridge.set_properties(made.id, {"color": "#ff0000"})
    bridge.set_properties(made.id, {"name": "House"})
    assert titles(control, account["account"]) == {"My Tasks", "House"}
