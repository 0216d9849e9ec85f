"""The Tasks API's routes: (path, HTTP method, method name, handler), paths as Google's
under ``/tasks/v1`` (what both tasks.googleapis.com and www.googleapis.com serve)."""

from __future__ import annotations

from . import items, listing, tasklists

PREFIX = "/tasks/v1"


def rules() -> list[tuple[str, str, str, object]]:
    lists = PREFIX + "/users/@me/lists"
    tasks = PREFIX + "/lists/<tasklist>/tasks"
    return [
        (lists, "GET", "tasklists.list", tasklists.list_lists),
        (lists, "POST", "tasklists.insert", tasklists.insert),
        (lists + "/<tasklist>", "GET", "tasklists.get", tasklists.get),
        (lists + "/<tasklist>", "PUT", "tasklists.update", tasklists.update),
        (lists + "/<tasklist>", "PATCH", "tasklists.patch", tasklists.patch),
        (lists + "/<tasklist>", "DELETE", "tasklists.delete", tasklists.delete),
        (tasks, "GET", "tasks.list", listing.list_tasks),
        (tasks, "POST", "tasks.insert", items.insert),
        (tasks + "/<task>", "GET", "tasks.get", items.get),
        (tasks + "/<task>", "PUT", "tasks.update", items.update),
        (tasks + "/<task>", "PATCH", "tasks.patch", items.patch),
        (tasks + "/<task>", "DELETE", "tasks.delete", items.delete),
        (tasks + "/<task>/move", "POST", "tasks.move", items.move),
        (PREFIX + "/lists/<tasklist>/clear", "POST", "tasks.clear", items.clear),
    ]
