"""What every Tasks handler needs first: the caller's list or task (404 otherwise) and the
If-Match precondition."""

from __future__ import annotations

from emulator.call import Call

from . import errors
from .store import Task, TaskList, TaskStore, UserTasks


def store(call: Call) -> TaskStore:
    return call.world.tasks


def user(call: Call) -> UserTasks:
    return call.world.tasks.user(call.account.email)


def task_list(call: Call, list_id: str) -> TaskList:
    found = user(call).find(list_id)
    if found is None:
        raise errors.not_found()
    return found


def task(task_list_: TaskList, task_id: str) -> Task:
    found = task_list_.tasks.get(task_id)
    if found is None:
        raise errors.not_found()
    return found


def check_if_match(call: Call, etag: str) -> None:
    expected = call.headers.get("if-match")
    if (store(call).honour_if_match and expected
            and expected.strip() not in ("*", etag)):
        raise errors.condition_not_met()
