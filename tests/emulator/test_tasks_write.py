"""Single-task writes through google-api-python-client's tasks v1: the resource's shape,
date-only ``due``, ``completed`` following ``status``, update vs patch, etags and If-Match,
deletion (with subtasks) and validation errors in Google's envelope.

Expected behaviour follows Google's documented API behaviour.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from googleapiclient.errors import HttpError

UTC = dt.timezone.utc


def insert(tasks, body=None, **params):
    return tasks.tasks().insert(tasklist="@default", body=body or {}, **params).execute()


def get(tasks, task_id):
    return tasks.tasks().get(tasklist="@default", task=task_id).execute()


def error_of(request) -> tuple[int, dict]:
    with pytest.raises(HttpError) as info:
        request.execute()
    return info.value.resp.status, json.loads(info.value.content)["error"]


def stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_inserted_task_has_googles_shape(tasks):
    task = insert(tasks, {"title": "Buy milk", "notes": "2 litres",
                          "id": "ignored", "position": "1", "hidden": True})
    assert task["kind"] == "tasks#task" and task["id"] != "ignored"
    assert task["etag"].startswith('"') and task["etag"].endswith('"')
    assert task["title"] == "Buy milk" and task["notes"] == "2 litres"
    assert task["status"] == "needsAction"
    assert len(task["position"]) == 20 and task["position"].isdigit()
    assert "hidden" not in task and "deleted" not in task and "completed" not in task
    default = tasks.tasklists().get(tasklist="@default").execute()["id"]
    assert task["selfLink"] == (
        f"https://www.googleapis.com/tasks/v1/lists/{default}/tasks/{task['id']}")
    assert task["webViewLink"].startswith("https://tasks.google.com/task/")
    assert stamp(task["updated"]).tzinfo is not None and task["updated"].endswith("Z")
    assert get(tasks, task["id"]) == task


@pytest.mark.parametrize("sent, kept", [
    ("2026-03-29T00:00:00.000Z", "2026-03-29T00:00:00.000Z"),
    ("2026-03-29T18:45:12Z", "2026-03-29T00:00:00.000Z"),
    ("2026-03-29T00:00:00+01:00", "2026-03-28T00:00:00.000Z"),     # UTC first, then the date
    ("2026-03-29T22:30:00-05:00", "2026-03-30T00:00:00.000Z"),
])
def test_due_keeps_only_the_utc_date(tasks, sent, kept):
    assert insert(tasks, {"title": "d", "due": sent})["due"] == kept


@pytest.mark.parametrize("bad", ["2026-04-25", "2026-04-25T00:00:00", "soon", 20260425])
def test_due_without_offset_is_invalid_argument(tasks, bad):
    status, error = error_of(tasks.tasks().insert(tasklist="@default",
                                                  body={"title": "d", "due": bad}))
    assert status == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == "Request contains an invalid argument."


def test_completed_follows_status(tasks):
    task = insert(tasks, {"title": "c"})
    before = dt.datetime.now(UTC) - dt.timedelta(seconds=5)
    done = tasks.tasks().patch(tasklist="@default", task=task["id"],
                               body={"status": "completed"}).execute()
    assert done["status"] == "completed"
    assert before <= stamp(done["completed"]) <= dt.datetime.now(UTC) + dt.timedelta(seconds=5)
    retitled = tasks.tasks().patch(tasklist="@default", task=task["id"],
                                   body={"title": "c2"}).execute()
    assert retitled["completed"] == done["completed"]           # unchanged by other edits
    reopened = tasks.tasks().patch(tasklist="@default", task=task["id"],
                                   body={"status": "needsAction"}).execute()
    assert "completed" not in reopened


def test_client_completed_time_is_kept_in_utc(tasks):
    task = insert(tasks, {"title": "c", "status": "completed",
                          "completed": "2026-02-01T10:00:00+02:00"})
    assert task["completed"] == "2026-02-01T08:00:00.000Z"


def test_completed_without_status_completed_is_dropped(tasks):
    task = insert(tasks, {"title": "c", "completed": "2026-02-01T10:00:00Z"})
    assert task["status"] == "needsAction" and "completed" not in task


def test_update_replaces_and_patch_merges(tasks):
    task = insert(tasks, {"title": "t", "notes": "n", "due": "2026-05-01T00:00:00Z"})
    patched = tasks.tasks().patch(tasklist="@default", task=task["id"],
                                  body={"title": "t2"}).execute()
    assert (patched["notes"], patched["due"]) == ("n", "2026-05-01T00:00:00.000Z")
    updated = tasks.tasks().update(tasklist="@default", task=task["id"],
                                   body={"id": task["id"], "title": "t3"}).execute()
    assert updated["title"] == "t3" and "notes" not in updated and "due" not in updated
    cleared = tasks.tasks().patch(tasklist="@default", task=task["id"],
                                  body={"title": "t4", "notes": None}).execute()
    assert "notes" not in cleared


def test_every_change_moves_etag_and_updated(tasks):
    task = insert(tasks, {"title": "e"})
    seen = [task]
    for body in ({"title": "e2"}, {"status": "completed"}, {"notes": "x"}):
        seen.append(tasks.tasks().patch(tasklist="@default", task=task["id"],
                                        body=body).execute())
    seen.append(tasks.tasks().move(tasklist="@default", task=task["id"]).execute())
    assert len({t["etag"] for t in seen}) == len(seen)
    assert [t["updated"] for t in seen] == sorted({t["updated"] for t in seen})


def test_if_match_stale_etag_is_412_and_star_passes(tasks, control):
    task = insert(tasks, {"title": "m"})
    fresh = tasks.tasks().patch(tasklist="@default", task=task["id"],
                                body={"title": "m2"}).execute()
    stale = tasks.tasks().patch(tasklist="@default", task=task["id"], body={"title": "m3"})
    stale.headers["If-Match"] = task["etag"]
    status, error = error_of(stale)
    assert status == 412 and error["errors"][0]["reason"] == "conditionNotMet"
    assert get(tasks, task["id"])["title"] == "m2"
    ok = tasks.tasks().delete(tasklist="@default", task=task["id"])
    ok.headers["If-Match"] = fresh["etag"]
    ok.execute()
    assert get(tasks, task["id"])["deleted"] is True


def test_if_match_can_be_ignored_by_setting(tasks, control):
    task = insert(tasks, {"title": "m"})
    control.post("/tasks/settings", {"honour_if_match": False})
    try:
        request = tasks.tasks().patch(tasklist="@default", task=task["id"], body={"title": "x"})
        request.headers["If-Match"] = '"stale"'
        assert request.execute()["title"] == "x"
    finally:
        control.post("/tasks/settings", {"honour_if_match": True})


def test_delete_marks_deleted_with_subtasks(tasks):
    parent = insert(tasks, {"title": "parent"})
    child = insert(tasks, {"title": "child"}, parent=parent["id"])
    grandchild = insert(tasks, {"title": "grandchild"}, parent=child["id"])
    other = insert(tasks, {"title": "other"})
    assert tasks.tasks().delete(tasklist="@default", task=parent["id"]).execute() == ""
    for task_id in (parent["id"], child["id"], grandchild["id"]):
        assert get(tasks, task_id)["deleted"] is True
    assert "deleted" not in get(tasks, other["id"])
    listed = tasks.tasks().list(tasklist="@default").execute()["items"]
    assert [t["title"] for t in listed] == ["other"]


def test_deleted_true_through_patch_deletes_and_false_restores(tasks):
    task = insert(tasks, {"title": "p"})
    assert tasks.tasks().patch(tasklist="@default", task=task["id"],
                               body={"deleted": True}).execute()["deleted"] is True
    restored = tasks.tasks().patch(tasklist="@default", task=task["id"],
                                   body={"deleted": False}).execute()
    assert "deleted" not in restored


@pytest.mark.parametrize("body", [
    {"title": "x" * 1025}, {"notes": "x" * 8193}, {"status": "done"}, {"title": 5},
])
def test_invalid_values_are_400(tasks, body):
    status, error = error_of(tasks.tasks().insert(tasklist="@default", body=body))
    assert status == 400 and error["errors"][0]["reason"] == "invalid"


def test_limits_at_the_edge_are_accepted(tasks):
    task = insert(tasks, {"title": "x" * 1024, "notes": "n" * 8192})
    assert len(task["title"]) == 1024 and len(task["notes"]) == 8192


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_task_is_404(tasks, method):
    kwargs = {"tasklist": "@default", "task": "bm9zdWNodGFzaw"}
    if method == "patch":
        kwargs["body"] = {"title": "x"}
    status, error = error_of(getattr(tasks.tasks(), method)(**kwargs))
    assert status == 404 and error["errors"][0]["reason"] == "notFound"


def test_task_of_another_list_is_404(tasks):
    other = tasks.tasklists().insert(body={"title": "Other"}).execute()
    task = tasks.tasks().insert(tasklist=other["id"], body={"title": "elsewhere"}).execute()
    status, _ = error_of(tasks.tasks().get(tasklist="@default", task=task["id"]))
    assert status == 404


def test_malformed_json_body_is_400(tasks):
    request = tasks.tasks().insert(tasklist="@default", body={})
    request.body = "{not json"
    status, _ = error_of(request)
    assert status == 400
