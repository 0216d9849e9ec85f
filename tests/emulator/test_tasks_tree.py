"""Ordering and nesting through google-api-python-client's tasks v1: positions, insert with
``parent``/``previous``, ``move`` (within a list and to another), refused moves, ``clear``.

Expected behaviour follows Google's documented API behaviour.3.
"""

from __future__ import annotations

import json

import pytest
from googleapiclient.errors import HttpError


def insert(tasks, title, tasklist="@default", **params):
    return tasks.tasks().insert(tasklist=tasklist, body={"title": title}, **params).execute()


def move(tasks, task_id, tasklist="@default", **params):
    return tasks.tasks().move(tasklist=tasklist, task=task_id, **params).execute()


def listed(tasks, tasklist="@default", **params) -> list[dict]:
    return tasks.tasks().list(tasklist=tasklist, maxResults=100, **params).execute().get(
        "items", [])


def order(tasks, tasklist="@default") -> list[str]:
    return [t["title"] for t in listed(tasks, tasklist)]


def siblings_by_position(tasks, parent=None) -> list[str]:
    items = [t for t in listed(tasks) if t.get("parent") == parent]
    return [t["title"] for t in sorted(items, key=lambda t: t["position"])]


def refused(request) -> tuple[int, str]:
    with pytest.raises(HttpError) as info:
        request.execute()
    return info.value.resp.status, json.loads(info.value.content)["error"]["errors"][0]["reason"]


def test_insert_without_previous_goes_first_and_previous_places_after(tasks):
    a = insert(tasks, "a")
    insert(tasks, "b")                      # first
    insert(tasks, "c", previous=a["id"])    # after a
    assert siblings_by_position(tasks) == ["b", "a", "c"]
    assert order(tasks) == ["b", "a", "c"]
    positions = [t["position"] for t in listed(tasks)]
    assert positions == sorted(positions) and all(len(p) == 20 for p in positions)


def test_subtasks_follow_their_parent_in_listings(tasks):
    first = insert(tasks, "first")
    parent = insert(tasks, "parent", previous=first["id"])
    one = insert(tasks, "one", parent=parent["id"])
    insert(tasks, "two", parent=parent["id"], previous=one["id"])
    insert(tasks, "last", previous=parent["id"])
    assert order(tasks) == ["first", "parent", "one", "two", "last"]
    children = [t for t in listed(tasks) if t.get("parent") == parent["id"]]
    assert [t["title"] for t in children] == ["one", "two"]
    assert "parent" not in listed(tasks)[0]


def test_move_reorders_siblings(tasks):
    a = insert(tasks, "a")
    b = insert(tasks, "b", previous=a["id"])
    c = insert(tasks, "c", previous=b["id"])
    moved = move(tasks, c["id"], previous=a["id"])
    assert a["position"] < moved["position"] < b["position"]
    assert order(tasks) == ["a", "c", "b"]
    move(tasks, b["id"])                    # no previous: to the top
    assert order(tasks) == ["b", "a", "c"]


def test_many_inserts_at_one_spot_keep_order(tasks):
    """Positions are sparse; when a gap runs out siblings are renumbered (and change)."""
    a = insert(tasks, "a")
    z = insert(tasks, "z", previous=a["id"])
    before = {t["id"]: t["etag"] for t in listed(tasks)}
    for n in range(45):
        insert(tasks, f"m{n:02d}", previous=a["id"])
    titles = order(tasks)
    assert titles == ["a"] + [f"m{n:02d}" for n in reversed(range(45))] + ["z"]
    after = {t["id"]: t["etag"] for t in listed(tasks)}
    assert after[z["id"]] != before[z["id"]]            # renumbered, so changed


def test_move_under_a_parent_and_back_to_top_level(tasks):
    parent = insert(tasks, "parent")
    child = insert(tasks, "child", previous=parent["id"])
    nested = move(tasks, child["id"], parent=parent["id"])
    assert nested["parent"] == parent["id"]
    top = move(tasks, child["id"], previous=parent["id"])
    assert "parent" not in top
    assert order(tasks) == ["parent", "child"]


def test_moving_a_parent_takes_its_subtasks(tasks):
    a = insert(tasks, "a")
    parent = insert(tasks, "parent", previous=a["id"])
    insert(tasks, "child", parent=parent["id"])
    move(tasks, parent["id"])
    assert order(tasks) == ["parent", "child", "a"]


def test_move_to_another_list_keeps_ids_and_subtasks(tasks):
    other = tasks.tasklists().insert(body={"title": "Other"}).execute()
    parent = insert(tasks, "parent")
    child = insert(tasks, "child", parent=parent["id"])
    moved = move(tasks, parent["id"], destinationTasklist=other["id"])
    assert moved["id"] == parent["id"] and other["id"] in moved["selfLink"]
    assert order(tasks) == []
    assert [(t["id"], t.get("parent")) for t in listed(tasks, other["id"])] == [
        (parent["id"], None), (child["id"], parent["id"])]


@pytest.mark.parametrize("case", ["under itself", "under its child", "previous elsewhere"])
def test_refused_moves(tasks, case):
    parent = insert(tasks, "parent")
    child = insert(tasks, "child", parent=parent["id"])
    loose = insert(tasks, "loose", previous=parent["id"])
    task, params = {"under itself": (parent, {"parent": parent["id"]}),
                    "under its child": (parent, {"parent": child["id"]}),
                    # previous must be a sibling under the new parent (here: top level)
                    "previous elsewhere": (loose, {"previous": child["id"]})}[case]
    assert refused(tasks.tasks().move(tasklist="@default", task=task["id"], **params)) == (
        400, "invalid")


def complete_and_clear(tasks, task):
    tasks.tasks().patch(tasklist="@default", task=task["id"],
                        body={"status": "completed"}).execute()
    tasks.tasks().clear(tasklist="@default").execute()


def test_hidden_task_cannot_become_a_parent(tasks):
    parent = insert(tasks, "parent")
    loose = insert(tasks, "loose")
    complete_and_clear(tasks, parent)
    request = tasks.tasks().move(tasklist="@default", task=loose["id"], parent=parent["id"])
    assert refused(request) == (400, "invalid")


def test_completed_hidden_task_moves_only_to_the_top(tasks):
    open_task = insert(tasks, "open")
    done = insert(tasks, "done")
    complete_and_clear(tasks, done)
    for params in ({"parent": open_task["id"]}, {"previous": open_task["id"]}):
        request = tasks.tasks().move(tasklist="@default", task=done["id"], **params)
        assert refused(request) == (400, "invalid")
    assert move(tasks, done["id"])["hidden"] is True


@pytest.mark.parametrize("param", ["parent", "previous"])
def test_unknown_anchor_is_404(tasks, param):
    request = tasks.tasks().insert(tasklist="@default", body={"title": "x"},
                                   **{param: "bm9zdWNodGFzaw"})
    assert refused(request) == (404, "notFound")


def test_clear_hides_completed_tasks_only(tasks):
    done = insert(tasks, "done")
    insert(tasks, "open")
    tasks.tasks().patch(tasklist="@default", task=done["id"],
                        body={"status": "completed"}).execute()
    before = tasks.tasks().get(tasklist="@default", task=done["id"]).execute()
    assert tasks.tasks().clear(tasklist="@default").execute() == ""
    assert order(tasks) == ["open"]
    hidden = tasks.tasks().get(tasklist="@default", task=done["id"]).execute()
    assert hidden["hidden"] is True and "deleted" not in hidden
    assert hidden["etag"] != before["etag"]
    reopened = tasks.tasks().patch(tasklist="@default", task=done["id"],
                                   body={"status": "needsAction"}).execute()
    assert "hidden" not in reopened and set(order(tasks)) == {"open", "done"}
