"""tasklists.* through google-api-python-client's tasks v1: the default list and its
``@default`` alias, CRUD, paging, etags, and the default list's protection.

Expected behaviour follows Google's documented API behaviour.
"""

from __future__ import annotations

import json

import pytest
from googleapiclient.errors import HttpError


def all_lists(tasks, **params) -> list[dict]:
    pages = [tasks.tasklists().list(**params).execute()]
    while "nextPageToken" in pages[-1]:
        pages.append(tasks.tasklists().list(pageToken=pages[-1]["nextPageToken"],
                                            **params).execute())
    return [item for page in pages for item in page.get("items", [])]


def test_every_account_starts_with_a_default_list(tasks):
    listed = tasks.tasklists().list().execute()
    assert listed["kind"] == "tasks#taskLists" and listed["etag"].startswith('"')
    [default] = listed["items"]
    assert default["kind"] == "tasks#taskList" and default["title"] == "My Tasks"
    assert default["selfLink"] == (
        f"https://www.googleapis.com/tasks/v1/users/@me/lists/{default['id']}")
    assert tasks.tasklists().get(tasklist="@default").execute() == default
    assert tasks.tasklists().get(tasklist=default["id"]).execute() == default


def test_insert_update_patch_delete(tasks):
    created = tasks.tasklists().insert(body={"title": "Errands", "id": "ignored"}).execute()
    assert created["id"] != "ignored" and created["title"] == "Errands"
    patched = tasks.tasklists().patch(tasklist=created["id"], body={"title": "Chores"}).execute()
    assert patched["title"] == "Chores" and patched["etag"] != created["etag"]
    assert patched["updated"] > created["updated"]
    updated = tasks.tasklists().update(tasklist=created["id"],
                                       body={"id": created["id"], "title": "Jobs"}).execute()
    assert updated["title"] == "Jobs" and updated["etag"] != patched["etag"]
    assert [tl["title"] for tl in all_lists(tasks)] == ["My Tasks", "Jobs"]
    assert tasks.tasklists().delete(tasklist=created["id"]).execute() == ""
    assert [tl["title"] for tl in all_lists(tasks)] == ["My Tasks"]
    with pytest.raises(HttpError) as info:
        tasks.tasklists().get(tasklist=created["id"]).execute()
    assert info.value.resp.status == 404


def test_deleting_a_list_takes_its_tasks(tasks):
    other = tasks.tasklists().insert(body={"title": "Other"}).execute()
    task = tasks.tasks().insert(tasklist=other["id"], body={"title": "t"}).execute()
    tasks.tasklists().delete(tasklist=other["id"]).execute()
    with pytest.raises(HttpError) as info:
        tasks.tasks().get(tasklist=other["id"], task=task["id"]).execute()
    assert info.value.resp.status == 404


def test_default_list_cannot_be_deleted(tasks):
    with pytest.raises(HttpError) as info:
        tasks.tasklists().delete(tasklist="@default").execute()
    assert info.value.resp.status == 400
    assert json.loads(info.value.content)["error"]["errors"][0]["reason"] == "invalid"
    assert len(all_lists(tasks)) == 1


def test_lists_page_in_creation_order(tasks):
    for n in range(6):
        tasks.tasklists().insert(body={"title": f"L{n}"}).execute()
    first = tasks.tasklists().list(maxResults=4).execute()
    assert len(first["items"]) == 4 and first["nextPageToken"]
    assert [tl["title"] for tl in all_lists(tasks, maxResults=4)] == (
        ["My Tasks"] + [f"L{n}" for n in range(6)])


def test_title_longer_than_1024_is_refused(tasks):
    with pytest.raises(HttpError) as info:
        tasks.tasklists().insert(body={"title": "x" * 1025}).execute()
    assert info.value.resp.status == 400


def test_lists_are_per_account(tasks, tasks_for, new_account):
    tasks.tasklists().insert(body={"title": "Mine"}).execute()
    bob = tasks_for(new_account("bob"))
    assert [tl["title"] for tl in all_lists(bob)] == ["My Tasks"]
    mine = [tl for tl in all_lists(tasks) if tl["title"] == "Mine"][0]
    with pytest.raises(HttpError) as info:
        bob.tasklists().get(tasklist=mine["id"]).execute()
    assert info.value.resp.status == 404
