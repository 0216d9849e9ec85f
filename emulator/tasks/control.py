"""Control-API endpoints for tasks: change an account's tasks "as Google" (as the user's
phone or the web app would), read everything back for assertions, and the If-Match knob.

Handlers take ``(request, body, **path args)`` and answer ``(status, json)`` like the rest
of the control API, which mounts ``routes()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator import errors as api_errors
from emulator.call import Call

from . import errors, items, lookup, render, tasklists

if TYPE_CHECKING:
    from emulator.app import Emulator

LISTS = "/_emulator/accounts/<email>/tasklists"
LIST = LISTS + "/<tasklist>"
TASK = LIST + "/tasks/<task>"


class TasksControl:
    def __init__(self, emulator: "Emulator"):
        self.world = emulator.world

    def routes(self) -> list[tuple[str, str, object]]:
        return [
            ("GET", LISTS, self.lists),
            ("POST", LISTS, self.insert_list),
            ("PATCH", LIST, self.patch_list),
            ("DELETE", LIST, self.delete_list),
            ("GET", LIST + "/tasks", self.tasks),
            ("POST", LIST + "/tasks", self.insert),
            ("POST", LIST + "/tasks:bulk", self.bulk),
            ("PUT", TASK, self.update),
            ("PATCH", TASK, self.patch),
            ("POST", TASK + "/complete", self.complete),
            ("POST", TASK + "/move", self.move),
            ("DELETE", TASK, self.delete),
            ("POST", LIST + "/clear", self.clear),
            ("POST", "/_emulator/tasks/settings", self.settings),
        ]

    def _call(self, request, body, email: str) -> Call:
        """A call made by the account itself; query parameters pass through (parent, ...)."""
        with self.world.lock:
            account = self.world.accounts.get(email.lower())
        if account is None:
            raise errors.not_found()
        params = {k: request.args.getlist(k) for k in request.args.keys()}
        if isinstance(body, dict):      # move anchors may also come in the body
            for key in ("parent", "previous", "destinationTasklist"):
                if body.get(key):
                    params[key] = [body[key]]
        return Call(self.world, account, params, body, {})

    # --- lists ---------------------------------------------------------------------------------

    def lists(self, request, body, email):
        call = self._call(request, body, email)
        with self.world.lock:
            user = lookup.user(call)
            return 200, {"default": user.default_id,
                         "items": [render.task_list(tl) for tl in user.lists.values()]}

    def insert_list(self, request, body, email):
        return 200, tasklists.insert(self._call(request, body, email))

    def patch_list(self, request, body, email, tasklist):
        return 200, tasklists.patch(self._call(request, body, email), tasklist)

    def delete_list(self, request, body, email, tasklist):
        tasklists.delete(self._call(request, body, email), tasklist)
        return 200, {"deleted": tasklist}

    # --- tasks -----------------------------------------------------------------------------------

    def tasks(self, request, body, email, tasklist):
        """Every task of the list, deleted and hidden ones included, in tree order."""
        call = self._call(request, body, email)
        with self.world.lock:
            task_list = lookup.task_list(call, tasklist)
            ordered = sorted(task_list.tasks.values(), key=task_list.tree_key)
            return 200, {"id": task_list.id,
                         "items": [render.task(task_list.id, t) for t in ordered]}

    def insert(self, request, body, email, tasklist):
        return 200, items.insert(self._call(request, body, email), tasklist)

    def bulk(self, request, body, email, tasklist):
        """``{"tasks": [Task, ...]}`` and/or ``{"generate": N}``: appended in order."""
        if not isinstance(body, dict):
            raise api_errors.bad_request("The request body must be a JSON object.")
        bodies = list(body.get("tasks") or []) + generate(int(body.get("generate") or 0))
        call = self._call(request, None, email)
        ids: list[str] = []
        with self.world.lock:
            for task_body in bodies:
                call.body = task_body
                call.params = {"previous": [ids[-1]]} if ids else {}
                ids.append(items.insert(call, tasklist)["id"])
        return 200, {"inserted": len(ids), "ids": ids}

    def update(self, request, body, email, tasklist, task):
        return 200, items.update(self._call(request, body, email), tasklist, task)

    def patch(self, request, body, email, tasklist, task):
        return 200, items.patch(self._call(request, body, email), tasklist, task)

    def complete(self, request, body, email, tasklist, task):
        """Complete it as Google's apps do: completed now and, unless ``{"hidden": false}``,
        hidden at once (so default listings no longer show it)."""
        hidden = not (isinstance(body, dict) and body.get("hidden") is False)
        call = self._call(request, {"status": "completed"}, email)
        with self.world.lock:
            items.patch(call, tasklist, task)
            task_list = lookup.task_list(call, tasklist)
            item = lookup.task(task_list, task)
            item.hidden = hidden
            return 200, render.task(task_list.id, item)

    def move(self, request, body, email, tasklist, task):
        return 200, items.move(self._call(request, body, email), tasklist, task)

    def delete(self, request, body, email, tasklist, task):
        items.delete(self._call(request, body, email), tasklist, task)
        return 200, {"deleted": task}

    def clear(self, request, body, email, tasklist):
        items.clear(self._call(request, body, email), tasklist)
        return 200, {"cleared": tasklist}

    def settings(self, request, body):
        store = self.world.tasks
        if isinstance(body, dict) and "honour_if_match" in body:
            store.honour_if_match = bool(body["honour_if_match"])
        return 200, {"honour_if_match": store.honour_if_match}


def generate(count: int) -> list[dict]:
    """``count`` plain task bodies: every 3rd with a due date, every 7th completed."""
    out = []
    for n in range(count):
        body: dict = {"title": f"Task {n + 1}"}
        if n % 3 == 0:
            body["due"] = f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d}T00:00:00.000Z"
        if n % 7 == 6:
            body["status"] = "completed"
        out.append(body)
    return out
