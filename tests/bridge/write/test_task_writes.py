"""Client writes to a task list reaching the emulator's Tasks API through a real Bridge:
only changed fields are patched, a stale Google etag is a conflict, a create whose answer
was lost is found instead of made twice, unknown parents stay a plain property."""

from __future__ import annotations

import pytest

from bridge import errors
from bridge.model import Kind
from tests.bridge.write.conftest import SCOPES


def vtodo(uid: str, *lines: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\n"
            f"UID:{uid}\r\n" + "".join(line + "\r\n" for line in lines)
            + "END:VTODO\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def linked(bridge, new_account):
    account = {**new_account("writer"), "scopes": SCOPES}
    account_id = bridge.link_info("alice", account)
    [tasks] = [c for c in bridge.store.calendars_of_account(account_id)
               if c.kind is Kind.TASKS]
    path = f"/accounts/{account['account']}/tasklists/{tasks.google_id}"
    return bridge, tasks.id, path


def google_tasks(control, path: str) -> list[dict]:
    return [t for t in control.get(path + "/tasks")["items"] if not t.get("deleted")]


def test_update_patches_only_what_changed(linked, control):
    bridge, list_id, path = linked
    bridge.put(list_id, "a.ics", vtodo("a", "SUMMARY:Old", "DESCRIPTION:Notes"))
    [task] = google_tasks(control, path)
    control.patch(path + f"/tasks/{task['id']}", {"notes": "Google's notes"})
    bridge.engine.sync_calendar(list_id)
    control.post("/stats/reset")
    bridge.put(list_id, "a.ics", vtodo("a", "SUMMARY:New", "DESCRIPTION:Google's notes",
                                       "STATUS:COMPLETED"))
    [task] = google_tasks(control, path)
    assert (task["title"], task["notes"], task["status"]) == ("New", "Google's notes",
                                                              "completed")
    assert control.calls()["tasks.patch"] == 1 and "tasks.move" not in control.calls()


def test_a_stale_google_etag_is_a_conflict(linked, control):
    bridge, list_id, path = linked
    bridge.put(list_id, "a.ics", vtodo("a", "SUMMARY:Mine"))
    [task] = google_tasks(control, path)
    control.patch(path + f"/tasks/{task['id']}", {"title": "Theirs"})      # not synced yet
    with pytest.raises(errors.PreconditionFailed):
        bridge.put(list_id, "a.ics", vtodo("a", "SUMMARY:Mine again"))
    assert google_tasks(control, path)[0]["title"] == "Theirs"


def test_a_create_whose_answer_was_lost_is_not_made_twice(linked, control):
    bridge, list_id, path = linked
    control.post("/faults", {"kind": "lose_reply", "method": "tasks.insert"})
    item = bridge.put(list_id, "lost.ics", vtodo("lost", "SUMMARY:Only once"))
    assert [t["title"] for t in google_tasks(control, path)] == ["Only once"]
    assert item.uid == "lost" and "SUMMARY:Only once" in item.text


@pytest.mark.parametrize("synced_between", [False, True])
def test_a_create_whose_outcome_stayed_unknown_is_not_made_twice_by_its_retry(
        linked, control, synced_between):
    bridge, list_id, path = linked
    control.post("/faults", {"kind": "lose_reply", "method": "tasks.insert"})
    control.post("/faults", {"kind": "error", "status": 503, "method": "tasks.list",
                             "count": 100})     # the look-up after the lost answer fails too
    with pytest.raises(errors.Upstream):
        bridge.put(list_id, "lost.ics", vtodo("lost", "SUMMARY:Only once"))
    control.delete("/faults")
    if synced_between:                  # the landed task arrives as one of Google's own
        bridge.engine.sync_calendar(list_id)
        assert [i.uid for i in bridge.all_items(list_id)] != ["lost"]
    item = bridge.put(list_id, "lost.ics", vtodo("lost", "SUMMARY:Only once", "PRIORITY:1",
                                                 "DESCRIPTION:Edited meanwhile"))
    assert [(t["title"], t.get("notes")) for t in google_tasks(control, path)] == [
        ("Only once", "Edited meanwhile")]
    assert [(i.uid, i.href) for i in bridge.all_items(list_id)] == [("lost", "lost.ics")]
    assert "PRIORITY:1" in item.text


def test_a_parent_outside_the_list_stays_a_plain_property(linked, control):
    bridge, list_id, path = linked
    item = bridge.put(list_id, "c.ics", vtodo("c", "SUMMARY:Child",
                                              "RELATED-TO;RELTYPE=PARENT:nowhere"))
    [task] = google_tasks(control, path)
    assert "parent" not in task
    assert "RELATED-TO;RELTYPE=PARENT:nowhere" in item.text


def test_events_are_refused_by_a_task_list(linked):
    bridge, list_id, _ = linked
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e\r\n"
             "DTSTART:20260101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with pytest.raises(errors.Unsupported) as refused:
        bridge.put(list_id, "e.ics", event)
    assert refused.value.component == "VTODO"


def test_a_subtask_moves_between_parents_and_to_the_top(linked, control):
    bridge, list_id, path = linked
    for uid in ("p1", "p2"):
        bridge.put(list_id, f"{uid}.ics", vtodo(uid, f"SUMMARY:{uid}"))
    bridge.put(list_id, "c.ics", vtodo("c", "SUMMARY:child", "RELATED-TO:p1"))

    def parent_title() -> str | None:
        tasks = {t["id"]: t for t in google_tasks(control, path)}
        child = next(t for t in tasks.values() if t["title"] == "child")
        return tasks[child["parent"]]["title"] if "parent" in child else None

    assert parent_title() == "p1"
    bridge.put(list_id, "c.ics", vtodo("c", "SUMMARY:child", "RELATED-TO;RELTYPE=PARENT:p2"))
    assert parent_title() == "p2"
    item = bridge.put(list_id, "c.ics", vtodo("c", "SUMMARY:child"))
    assert parent_title() is None and "RELATED-TO" not in item.text
