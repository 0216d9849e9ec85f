"""tasks.list over real HTTP with google-api-python-client's tasks v1: paging, the
showCompleted / showHidden / showDeleted flags, updatedMin and the due / completed bounds.

Expected behaviour follows Google's documented API behaviour.1 and §3.1.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from googleapiclient.errors import HttpError


def bulk(control, email: str, bodies=None, generate: int = 0, tasklist: str = "@default"):
    body = {"tasks": bodies or [], "generate": generate}
    return control.post(f"/accounts/{email}/tasklists/{tasklist}/tasks:bulk", body)["ids"]


def pages(tasks, tasklist: str = "@default", **params) -> list[dict]:
    out = [tasks.tasks().list(tasklist=tasklist, **params).execute()]
    while "nextPageToken" in out[-1]:
        out.append(tasks.tasks().list(tasklist=tasklist, pageToken=out[-1]["nextPageToken"],
                                      **params).execute())
    return out


def titles(tasks, **params) -> set[str]:
    return {t["title"] for page in pages(tasks, maxResults=100, **params)
            for t in page.get("items", [])}


def after(stamp: str) -> str:
    """One millisecond after an ``updated`` value (the emulator's stamps strictly increase)."""
    value = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) + dt.timedelta(
        milliseconds=1)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# --- paging --------------------------------------------------------------------------------------

def test_250_tasks_come_in_pages_of_100_100_50(tasks, control, alice_email):
    ids = bulk(control, alice_email, [{"title": f"t{n}"} for n in range(250)])
    got = pages(tasks, maxResults=100)
    assert [len(p["items"]) for p in got] == [100, 100, 50]
    assert "nextPageToken" not in got[-1]
    assert [t["id"] for p in got for t in p["items"]] == ids      # appended in order
    assert all(p["kind"] == "tasks#tasks" and p["etag"].startswith('"') for p in got)


def test_default_page_is_20_and_more_than_100_is_capped(tasks, control, alice_email):
    bulk(control, alice_email, generate=130)
    first = tasks.tasks().list(tasklist="@default").execute()
    assert len(first["items"]) == 20 and first["nextPageToken"]
    assert len(tasks.tasks().list(tasklist="@default", maxResults=1000).execute()["items"]) == 100


def test_empty_list_has_no_items_key(tasks):
    listed = tasks.tasks().list(tasklist="@default").execute()
    assert listed["kind"] == "tasks#tasks" and "items" not in listed
    assert "nextPageToken" not in listed


def test_page_token_of_another_query_is_refused(tasks, control, alice_email):
    bulk(control, alice_email, generate=30)
    token = tasks.tasks().list(tasklist="@default").execute()["nextPageToken"]
    with pytest.raises(HttpError) as info:
        tasks.tasks().list(tasklist="@default", pageToken=token, showHidden=True).execute()
    assert info.value.resp.status == 400


# --- visibility flags ----------------------------------------------------------------------------

@pytest.fixture
def mixed(tasks, control, alice_email):
    """open, completed (visible), completed-and-hidden (by clear), deleted."""
    ids = dict(zip(("open", "done", "cleared", "gone"), bulk(control, alice_email, [
        {"title": "open"}, {"title": "done"}, {"title": "cleared"}, {"title": "gone"}])))
    tasks.tasks().patch(tasklist="@default", task=ids["cleared"],
                        body={"status": "completed"}).execute()
    tasks.tasks().clear(tasklist="@default").execute()
    tasks.tasks().patch(tasklist="@default", task=ids["done"],
                        body={"status": "completed"}).execute()
    tasks.tasks().delete(tasklist="@default", task=ids["gone"]).execute()
    return ids


FLAG_CASES = [
    ({}, {"open", "done"}),
    ({"showCompleted": False}, {"open"}),
    ({"showHidden": True}, {"open", "done", "cleared"}),
    ({"showHidden": True, "showCompleted": False}, {"open"}),
    ({"showDeleted": True}, {"open", "done", "gone"}),
    ({"showDeleted": True, "showHidden": True}, {"open", "done", "cleared", "gone"}),
    ({"showDeleted": True, "showCompleted": False}, {"open", "gone"}),
]


@pytest.mark.parametrize("params, expected", FLAG_CASES)
def test_visibility_flags(tasks, mixed, params, expected):
    assert titles(tasks, **params) == expected


def test_hidden_and_deleted_tasks_say_so(tasks, mixed):
    items = {t["title"]: t for t in pages(tasks, showHidden=True, showDeleted=True)[0]["items"]}
    assert items["cleared"]["hidden"] is True and items["cleared"]["status"] == "completed"
    assert items["gone"]["deleted"] is True
    assert "hidden" not in items["open"] and "deleted" not in items["open"]


def test_completed_in_googles_app_needs_show_hidden(tasks, control, alice_email):
    task_id = bulk(control, alice_email, [{"title": "phone"}])[0]
    control.post(f"/accounts/{alice_email}/tasklists/@default/tasks/{task_id}/complete")
    assert titles(tasks) == set()
    assert titles(tasks, showHidden=True) == {"phone"}


def test_bad_flag_value_is_400(tasks, emulator):
    request = tasks.tasks().list(tasklist="@default")
    request.uri += "&showDeleted=maybe"
    with pytest.raises(HttpError) as info:
        request.execute()
    assert info.value.resp.status == 400


# --- updatedMin ----------------------------------------------------------------------------------

def test_updated_min_returns_only_changes_and_deletions_with_show_deleted(tasks, control,
                                                                         alice_email):
    ids = bulk(control, alice_email, [{"title": f"t{n}"} for n in range(5)])
    last = tasks.tasks().get(tasklist="@default", task=ids[-1]).execute()["updated"]
    mark = after(max(last, tasks.tasks().get(tasklist="@default",
                                             task=ids[0]).execute()["updated"]))
    tasks.tasks().patch(tasklist="@default", task=ids[1], body={"title": "changed"}).execute()
    tasks.tasks().delete(tasklist="@default", task=ids[3]).execute()
    assert titles(tasks, updatedMin=mark) == {"changed"}
    changed = pages(tasks, updatedMin=mark, showDeleted=True, showHidden=True)[0]["items"]
    assert {t["id"]: t.get("deleted", False) for t in changed} == {ids[1]: False, ids[3]: True}


def test_updated_min_is_inclusive(tasks):
    task = tasks.tasks().insert(tasklist="@default", body={"title": "edge"}).execute()
    assert titles(tasks, updatedMin=task["updated"]) == {"edge"}
    assert titles(tasks, updatedMin=after(task["updated"])) == set()


# --- due and completed bounds --------------------------------------------------------------------

def test_due_bounds_lower_inclusive_upper_exclusive(tasks, control, alice_email):
    bulk(control, alice_email, [{"title": f"d{day}", "due": f"2026-05-{day:02d}T00:00:00Z"}
                                for day in (1, 2, 3)] + [{"title": "no due"}])
    assert titles(tasks, dueMin="2026-05-02T00:00:00Z") == {"d2", "d3"}
    assert titles(tasks, dueMax="2026-05-02T00:00:00Z") == {"d1"}
    assert titles(tasks, dueMin="2026-05-01T12:00:00Z", dueMax="2026-05-03T00:00:00Z") == {"d2"}


def test_completed_bounds(tasks, control, alice_email):
    bulk(control, alice_email, [
        {"title": "early", "status": "completed", "completed": "2026-01-10T08:00:00Z"},
        {"title": "late", "status": "completed", "completed": "2026-02-10T08:00:00Z"},
        {"title": "open"}])
    assert titles(tasks, completedMin="2026-02-01T00:00:00Z") == {"late"}
    assert titles(tasks, completedMax="2026-02-01T00:00:00Z") == {"early"}


@pytest.mark.parametrize("name", ["updatedMin", "dueMin", "dueMax", "completedMin",
                                  "completedMax"])
@pytest.mark.parametrize("value", ["2026-05-01", "2026-05-01T00:00:00", "yesterday"])
def test_timestamp_parameters_need_full_rfc3339(tasks, name, value):
    with pytest.raises(HttpError) as info:
        tasks.tasks().list(tasklist="@default", **{name: value}).execute()
    assert info.value.resp.status == 400
    error = json.loads(info.value.content)["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == "Request contains an invalid argument."


def test_unknown_list_is_404_in_googles_envelope(tasks):
    with pytest.raises(HttpError) as info:
        tasks.tasks().list(tasklist="bm9zdWNobGlzdA").execute()
    assert info.value.resp.status == 404
    assert json.loads(info.value.content) == {"error": {
        "code": 404, "message": "Requested entity was not found.",
        "errors": [{"message": "Requested entity was not found.", "domain": "global",
                    "reason": "notFound"}],
        "status": "NOT_FOUND"}}
