"""Task lists over CalDAV with the real python-caldav client against a running bridge, the
emulator's Tasks API as Google: client writes reach Google, Google's changes reach clients."""

from __future__ import annotations

import caldav
import pytest

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
TASKS_SCOPE = "https://www.googleapis.com/auth/tasks"


def vtodo(uid: str, *lines: str) -> str:
    body = "\r\n".join(lines)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{body}\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")


class Tasks:
    """The emulator's view of one account's default task list, through the control API."""

    def __init__(self, control, email: str):
        self.control, self.email = control, email
        self.list_id = control.get(f"/accounts/{email}/tasklists")["default"]

    @property
    def base(self) -> str:
        return f"/accounts/{self.email}/tasklists/{self.list_id}"

    def all(self) -> list[dict]:
        return self.control.get(self.base + "/tasks")["items"]

    def by_title(self, title: str) -> dict:
        return next(t for t in self.all() if t.get("title") == title)


@pytest.fixture
def setup(new_account, control, make_bridge):
    account = {**new_account("tasks"), "scopes": [CALENDAR_SCOPE, TASKS_SCOPE]}
    tasks = Tasks(control, account["account"])
    server = make_bridge(account, freshness=0)
    url = server.calendar_url(tasks.list_id)
    return server, tasks, server.client().calendar(url=url)


def test_task_list_is_a_vtodo_collection(setup):
    server, tasks, calendar = setup
    collections = server.client().principal().calendars()
    todo_lists = [c for c in collections if c.url == calendar.url]
    assert todo_lists and todo_lists[0].get_supported_components() == ["VTODO"]
    assert todo_lists[0].get_display_name() == "My Tasks"


def test_client_creates_completes_renames_and_deletes_tasks(setup):
    server, tasks, calendar = setup
    parent = calendar.save_todo(vtodo("parent-1", "SUMMARY:Write report"))
    child = calendar.save_todo(vtodo("child-1", "SUMMARY:Find sources",
                                     "RELATED-TO;RELTYPE=PARENT:parent-1"))
    google_parent, google_child = tasks.by_title("Write report"), tasks.by_title("Find sources")
    assert google_child["parent"] == google_parent["id"]

    child.complete()
    assert tasks.by_title("Find sources")["status"] == "completed"
    parent.icalendar_component["SUMMARY"] = "Write the report"
    parent.save()
    assert tasks.by_title("Write the report")["id"] == google_parent["id"]

    child.delete()
    assert tasks.by_title("Find sources").get("deleted") is True
    assert not tasks.by_title("Write the report").get("deleted")
    parent.delete()
    assert tasks.by_title("Write the report").get("deleted") is True
    assert calendar.todos(include_completed=True) == []


def hrefs_of(server, calendar, tasks: list[dict]) -> set[str]:
    path = calendar.url.path
    return {f"{path}{task['id']}.ics" for task in tasks}


def test_google_changes_reach_sync_collection_as_exactly_those_hrefs(setup, control):
    server, tasks, calendar = setup
    made = {title: control.post(tasks.base + "/tasks", body)
            for title, body in [("A", {"title": "A"}), ("B", {"title": "B"}),
                                ("C", {"title": "C"}), ("D", {"title": "D"}),
                                ("E", {"title": "E"})]}
    control.post(tasks.base + f"/tasks/{made['E']['id']}/complete", {"hidden": False})
    url = str(calendar.url)
    token, first = server.sync_collection(url)
    assert set(first) == hrefs_of(server, calendar, made.values())

    new = control.post(tasks.base + "/tasks", {"title": "N"})
    control.post(tasks.base + f"/tasks/{made['A']['id']}/complete", {})
    control.post(tasks.base + f"/tasks/{made['D']['id']}/move?parent={made['B']['id']}")
    control.delete(tasks.base + f"/tasks/{made['C']['id']}")
    control.post(tasks.base + "/clear")        # hides E (A was hidden when completed)

    token2, changes = server.sync_collection(url, token)
    assert set(changes) == hrefs_of(server, calendar, [new, made["A"], made["D"], made["C"],
                                                       made["E"]])
    assert changes[f"{calendar.url.path}{made['C']['id']}.ics"] == 404
    assert all(isinstance(changes[h], str) for h in changes if made["C"]["id"] not in h)
    moved = calendar.todo_by_uid(made["D"]["id"] + "@tasks.google.com")
    assert str(moved.icalendar_component["RELATED-TO"]) == made["B"]["id"] + "@tasks.google.com"
    cleared = calendar.todo_by_uid(made["E"]["id"] + "@tasks.google.com").icalendar_component
    assert (str(cleared["STATUS"]), str(cleared["X-GOOGLE-HIDDEN"])) == ("COMPLETED", "TRUE")
    assert server.sync_collection(url, token2)[1] == {}


def test_task_with_time_priority_categories_and_alarm_comes_back_as_sent(setup, control):
    server, tasks, calendar = setup
    sent = vtodo("rich-1", "SUMMARY:Call the plumber", "DUE;TZID=Europe/Berlin:20260329T150000",
                 "DTSTART;TZID=Europe/Berlin:20260329T140000", "PRIORITY:1",
                 "CATEGORIES:home,errands", "STATUS:IN-PROCESS", "PERCENT-COMPLETE:40",
                 "X-APPLE-SORT-ORDER:7", "BEGIN:VALARM", "ACTION:DISPLAY",
                 "DESCRIPTION:Reminder", "TRIGGER:-PT30M", "END:VALARM")
    calendar.save_todo(sent)
    google = tasks.by_title("Call the plumber")
    assert (google["due"], google["status"]) == ("2026-03-29T00:00:00.000Z", "needsAction")

    back = calendar.todo_by_uid("rich-1").icalendar_component
    assert back["DUE"].to_ical() == b"20260329T150000" and back["DUE"].params["TZID"] == \
        "Europe/Berlin"
    assert back["DTSTART"].to_ical() == b"20260329T140000"
    assert (str(back["PRIORITY"]), str(back["STATUS"]), str(back["PERCENT-COMPLETE"])) == \
        ("1", "IN-PROCESS", "40")
    assert back["CATEGORIES"].to_ical() == b"home,errands"
    assert str(back["X-APPLE-SORT-ORDER"]) == "7"
    [alarm] = back.subcomponents
    assert (str(alarm["ACTION"]), alarm["TRIGGER"].to_ical()) == ("DISPLAY", b"-PT30M")

    # Google renames it: the rest stays as sent; Google moves the date: its date wins.
    control.patch(tasks.base + f"/tasks/{google['id']}", {"title": "Call Anna"})
    back = calendar.todo_by_uid("rich-1").icalendar_component
    assert str(back["SUMMARY"]) == "Call Anna" and back["DUE"].to_ical() == b"20260329T150000"
    control.patch(tasks.base + f"/tasks/{google['id']}", {"due": "2026-04-02T00:00:00.000Z"})
    back = calendar.todo_by_uid("rich-1").icalendar_component
    assert back["DUE"].to_ical() == b"20260402" and str(back["PRIORITY"]) == "1"


def test_conflicting_edit_gets_412(setup, control):
    server, tasks, calendar = setup
    todo = calendar.save_todo(vtodo("conflict-1", "SUMMARY:Draft"))
    url = str(todo.url)
    etag = server.session.get(url).headers["ETag"]
    google = tasks.by_title("Draft")
    control.patch(tasks.base + f"/tasks/{google['id']}", {"title": "Draft by Google"})

    response = server.session.put(url, data=vtodo("conflict-1", "SUMMARY:Draft by client"),
                                  headers={"If-Match": etag, "Content-Type": "text/calendar"})
    assert response.status_code == 412
    assert tasks.by_title("Draft by Google")["id"] == google["id"]


def test_relisting_unchanged_tasks_changes_no_etag(setup, control):
    server, tasks, calendar = setup
    control.post(tasks.base + "/tasks:bulk", {"generate": 30})
    url = str(calendar.url)
    token, before = server.sync_collection(url)
    bridge = server.bridge
    row = bridge.store.calendar_by_slug("alice", calendar.url.path.strip("/").split("/")[-1])
    bridge.engine.tasks.full_every = 0          # every sync lists in full
    assert bridge.engine.sync_calendar(row.id) == 0
    _, after = server.sync_collection(url)
    assert after == before and len(before) == 30
    assert server.sync_collection(url, token)[1] == {}


def test_mkcalendar_with_vtodo_makes_a_google_task_list_and_proppatch_renames_it(setup,
                                                                                 control):
    server, tasks, _ = setup
    lists = f"/accounts/{tasks.email}/tasklists"
    made = server.client().principal().make_calendar(
        name="Errands", cal_id="errands", supported_calendar_component_set=["VTODO"])
    assert {entry["title"] for entry in control.get(lists)["items"]} == {"My Tasks", "Errands"}
    assert made.get_supported_components() == ["VTODO"]
    made.save_todo(vtodo("errand-1", "SUMMARY:Post office"))
    errands = next(e for e in control.get(lists)["items"] if e["title"] == "Errands")
    titles = [t["title"] for t in control.get(f"{lists}/{errands['id']}/tasks")["items"]]
    assert titles == ["Post office"]

    made.set_properties([caldav.elements.dav.DisplayName("Chores")])
    assert {entry["title"] for entry in control.get(lists)["items"]} == {"My Tasks", "Chores"}
    tree = server.propfind(str(made.url), '<propfind xmlns="DAV:"><prop><displayname/></prop>'
                                           '</propfind>')
    assert tree.find(".//{DAV:}displayname").text == "Chores"
