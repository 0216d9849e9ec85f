"""tasks.list: Google's visibility flags, time bounds and paging.

A task is listed when every flag admits it: ``showCompleted`` (default true) completed ones,
``showHidden`` (default false) hidden ones (cleared, or completed in Google's own apps), and
``showDeleted`` (default false) deleted ones. Lower bounds (``updatedMin``, ``dueMin``,
``completedMin``) are inclusive, upper bounds (``dueMax``, ``completedMax``) exclusive; a
bound on ``due`` or ``completed`` leaves out tasks without one. Items come in tree order
(each parent before its subtasks, siblings by position); pages resume after the last task
served.
"""

from __future__ import annotations

import datetime as dt

from emulator import listing, tokens
from emulator.call import Call

from . import fields, lookup, render
from .store import Task

DEFAULT_PAGE, MAX_PAGE = 20, 100
BOUNDS = (("updatedMin", "updated", False), ("dueMin", "due", False), ("dueMax", "due", True),
          ("completedMin", "completed", False), ("completedMax", "completed", True))


def list_tasks(call: Call, tasklist: str) -> dict:
    with call.world.lock:
        task_list = lookup.task_list(call, tasklist)
        limit = call.integer("maxResults", DEFAULT_PAGE, 1, MAX_PAGE)
        wanted = _Filter(call)
        page = listing.read_page_token(call)
        keyed = [(task_list.tree_key(t), t) for t in task_list.tasks.values() if wanted(t)]
        page_items, next_page = listing.paginate(keyed, page, limit, {},
                                                 tokens.query_fingerprint(call.params))
        out: dict = {"kind": "tasks#tasks",
                     "etag": render.collection_etag(task_list.id, task_list.version)}
        if next_page:
            out["nextPageToken"] = next_page
        if page_items:
            out["items"] = [render.task(task_list.id, t) for t in page_items]
    return out


class _Filter:
    """One query's flags and bounds, as a predicate on stored tasks."""

    def __init__(self, call: Call):
        self.show_completed = call.flag("showCompleted", True)
        self.show_hidden = call.flag("showHidden")
        self.show_deleted = call.flag("showDeleted")
        call.flag("showAssigned")       # validated; the emulator has no assigned tasks
        self.bounds = [(attr, fields.parse_timestamp(call.get(name), name), upper)
                       for name, attr, upper in BOUNDS if call.get(name) is not None]

    def __call__(self, task: Task) -> bool:
        if task.deleted and not self.show_deleted or task.hidden and not self.show_hidden:
            return False
        if task.status == "completed" and not self.show_completed:
            return False
        return all(self._within(task, attr, bound, upper) for attr, bound, upper in self.bounds)

    @staticmethod
    def _within(task: Task, attr: str, bound: dt.datetime, upper: bool) -> bool:
        value = getattr(task, attr)
        if value is None:
            return False
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value < bound if upper else value >= bound
