"""Tasks scopes, the control API "as Google", fault injection, call counts and the demo seed,
all over real HTTP with google-api-python-client's tasks v1."""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request

import httplib2
import pytest
from googleapiclient.errors import HttpError

from emulator import EmulatorServer
from tests.conftest import Control
from tests.emulator.conftest import SCOPE, TASKS, make_tasks_service

CONNECTION_ERRORS = (ConnectionError, http.client.HTTPException, httplib2.HttpLib2Error,
                     socket.error)

# --- scopes --------------------------------------------------------------------------------------


def status_of(request) -> int:
    with pytest.raises(HttpError) as info:
        request.execute()
    return info.value.resp.status


def test_readonly_scope_reads_but_cannot_write(tasks_for, alice):
    ro = tasks_for(alice, scopes=[SCOPE + "tasks.readonly"])
    assert ro.tasklists().list().execute()["items"]
    assert "items" not in ro.tasks().list(tasklist="@default").execute()
    with pytest.raises(HttpError) as info:
        ro.tasks().insert(tasklist="@default", body={"title": "no"}).execute()
    assert info.value.resp.status == 403
    assert info.value.error_details[0]["reason"] == "insufficientPermissions"
    assert "insufficient_scope" in info.value.resp.get("www-authenticate", "")
    assert status_of(ro.tasklists().insert(body={"title": "no"})) == 403
    assert status_of(ro.tasks().clear(tasklist="@default")) == 403


def test_calendar_token_cannot_touch_tasks(tasks_for, alice):
    calendar_only = tasks_for(alice, scopes=[SCOPE + "calendar"])
    assert status_of(calendar_only.tasklists().list()) == 403


def test_tasks_token_cannot_touch_calendar(service_for, alice):
    tasks_only = service_for(alice, scopes=[TASKS])
    assert status_of(tasks_only.events().list(calendarId="primary")) == 403


def test_one_token_may_carry_both_apis(service_for, tasks_for, alice):
    both = [SCOPE + "calendar", TASKS]
    assert service_for(alice, scopes=both).events().list(calendarId="primary").execute()
    assert tasks_for(alice, scopes=both).tasklists().list().execute()["items"]


def test_missing_token_is_401(emulator):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(emulator.base_url + "/tasks/v1/users/@me/lists")
    assert info.value.code == 401
    assert json.load(info.value)["error"]["status"] == "UNAUTHENTICATED"


# --- control API ---------------------------------------------------------------------------------

def test_control_changes_show_up_for_the_client(tasks, control, alice_email):
    base = f"/accounts/{alice_email}/tasklists"
    lists = control.get(base)
    assert [tl["title"] for tl in lists["items"]] == ["My Tasks"]
    work = control.post(base, {"title": "Work"})
    task = control.post(f"{base}/{work['id']}/tasks", {"title": "from phone"})
    sub = control.post(f"{base}/{work['id']}/tasks?parent={task['id']}", {"title": "sub"})
    seen = tasks.tasks().list(tasklist=work["id"]).execute()["items"]
    assert [(t["title"], t.get("parent")) for t in seen] == [
        ("from phone", None), ("sub", task["id"])]
    control.patch(f"{base}/{work['id']}/tasks/{task['id']}", {"notes": "n"})
    assert tasks.tasks().get(tasklist=work["id"], task=task["id"]).execute()["notes"] == "n"
    control.post(f"{base}/{work['id']}/tasks/{sub['id']}/move", {"previous": task["id"]})
    assert "parent" not in tasks.tasks().get(tasklist=work["id"], task=sub["id"]).execute()
    control.delete(f"{base}/{work['id']}/tasks/{task['id']}")
    assert [t["title"] for t in tasks.tasks().list(tasklist=work["id"]).execute()["items"]] == [
        "sub"]
    everything = control.get(f"{base}/{work['id']}/tasks")["items"]
    assert {t["title"]: t.get("deleted", False) for t in everything} == {
        "from phone": True, "sub": False}
    control.patch(f"{base}/{work['id']}", {"title": "Job"})
    assert tasks.tasklists().get(tasklist=work["id"]).execute()["title"] == "Job"
    control.delete(f"{base}/{work['id']}")
    assert status_of(tasks.tasklists().get(tasklist=work["id"])) == 404


def test_control_complete_hides_like_googles_apps(tasks, control, alice_email):
    base = f"/accounts/{alice_email}/tasklists/@default/tasks"
    hidden = control.post(base, {"title": "hidden"})
    shown = control.post(base, {"title": "shown"})
    done = control.post(f"{base}/{hidden['id']}/complete")
    assert done["status"] == "completed" and done["hidden"] is True and done["completed"]
    control.post(f"{base}/{shown['id']}/complete", {"hidden": False})
    visible = tasks.tasks().list(tasklist="@default").execute()["items"]
    assert [t["title"] for t in visible] == ["shown"]


def test_control_clear_and_bulk(tasks, control, alice_email):
    base = f"/accounts/{alice_email}/tasklists/@default"
    result = control.post(f"{base}/tasks:bulk", {"generate": 14})
    assert result["inserted"] == 14 and len(set(result["ids"])) == 14
    control.post(f"{base}/clear")
    listed = tasks.tasks().list(tasklist="@default", maxResults=100).execute()["items"]
    assert len(listed) == 12                        # 2 of 14 generated are completed
    assert all(t["status"] == "needsAction" for t in listed)


def test_control_errors(control, alice_email):
    status, body = control.request("GET", "/accounts/nobody@example.com/tasklists")
    assert status == 404 and body["error"]["errors"][0]["reason"] == "notFound"
    status, body = control.request("POST", f"/accounts/{alice_email}/tasklists/@default/tasks",
                                   {"due": "tomorrow"})
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"


# --- faults and stats ----------------------------------------------------------------------------

def test_fault_on_a_tasks_method(tasks, control):
    tasks.tasklists().list().execute()          # token first
    control.post("/faults", {"kind": "error", "method": "tasks.list", "status": 429,
                             "reason": "rateLimitExceeded", "retry_after": 7})
    assert tasks.tasklists().list().execute()["items"]      # other methods unaffected
    with pytest.raises(HttpError) as info:
        tasks.tasks().list(tasklist="@default").execute()
    assert info.value.resp.status == 429 and info.value.resp["retry-after"] == "7"
    assert info.value.error_details[0]["reason"] == "rateLimitExceeded"
    assert "kind" in tasks.tasks().list(tasklist="@default").execute()


def test_lose_reply_fault_applies_the_insert(tasks, control):
    tasks.tasklists().list().execute()
    control.post("/faults", {"kind": "lose_reply", "method": "tasks.insert", "count": 2})
    with pytest.raises(CONNECTION_ERRORS):
        tasks.tasks().insert(tasklist="@default", body={"title": "lost"}).execute()
    titles = [t["title"] for t in tasks.tasks().list(tasklist="@default").execute()["items"]]
    assert titles.count("lost") == 2        # httplib2 replays once; both were applied


def test_stats_count_tasks_methods(tasks, control):
    tasks.tasklists().list().execute()
    control.post("/stats/reset")
    task = tasks.tasks().insert(tasklist="@default", body={"title": "s"}).execute()
    tasks.tasks().list(tasklist="@default").execute()
    tasks.tasks().list(tasklist="@default").execute()
    tasks.tasks().move(tasklist="@default", task=task["id"]).execute()
    assert control.calls() == {"tasks.insert": 1, "tasks.list": 2, "tasks.move": 1}


# --- demo seed -----------------------------------------------------------------------------------

def test_demo_seed_has_tasks_with_a_subtask_and_a_completed_one():
    server = EmulatorServer(seed_name="demo").start()
    try:
        info = Control(server.base_url).post("/accounts", {"email": "demo@example.com"})
        svc = make_tasks_service(server, info)
        lists = svc.tasklists().list().execute()["items"]
        assert [tl["title"] for tl in lists] == ["My Tasks", "Groceries"]
        items = svc.tasks().list(tasklist="@default", showHidden=True).execute()["items"]
        assert any(t.get("parent") for t in items)
        assert any(t["status"] == "completed" and t.get("completed") for t in items)
    finally:
        server.stop()
