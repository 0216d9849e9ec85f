"""tasks.get / insert / update / patch / delete / move / clear (single tasks and the tree).

The tree rules follow Google's method documentation: a parent or previous sibling must be a
live, visible task of the (destination) list, a previous sibling must sit under the given
parent, completed-and-hidden tasks cannot be nested and move only to the first position,
a task has at most 2,000 subtasks. Deleting a task deletes its subtasks.
"""

from __future__ import annotations

from emulator.call import Call, Reply

from . import errors, fields, lookup, render
from .store import Task, TaskList, TaskStore, new_id

MAX_SUBTASKS = 2000
MAX_VISIBLE_PER_LIST = 20_000
MAX_TASKS_TOTAL = 100_000


def get(call: Call, tasklist: str, task: str) -> dict:
    with call.world.lock:
        task_list = lookup.task_list(call, tasklist)
        return render.task(task_list.id, lookup.task(task_list, task))


def insert(call: Call, tasklist: str) -> dict:
    with call.world.lock:
        store = lookup.store(call)
        task_list = lookup.task_list(call, tasklist)
        values = fields.task_fields(call.body if call.body is not None else {}, None,
                                    patch=False)
        parent, previous = _anchors(call, task_list, None)
        _check_limits(call, task_list, parent)
        item = Task(id=new_id(), updated=store.stamp(), position=0, **values)
        task_list.tasks[item.id] = item
        store.place(task_list, item, parent, previous)
        task_list.version += 1
        if item.deleted:
            _delete(store, task_list, item)
        return render.task(task_list.id, item)


def update(call: Call, tasklist: str, task: str, *, patch: bool = False) -> dict:
    with call.world.lock:
        store = lookup.store(call)
        task_list = lookup.task_list(call, tasklist)
        item = lookup.task(task_list, task)
        lookup.check_if_match(call, item.etag)
        values = fields.task_fields(call.body, item, patch=patch)
        was_deleted = item.deleted
        for key, value in values.items():
            setattr(item, key, value)
        if item.status == "needsAction":
            item.hidden = False         # an uncompleted task is back in the open list
        store.touch(task_list, item)
        if item.deleted and not was_deleted:
            _delete(store, task_list, item)
        return render.task(task_list.id, item)


def patch(call: Call, tasklist: str, task: str) -> dict:
    return update(call, tasklist, task, patch=True)


def delete(call: Call, tasklist: str, task: str) -> Reply:
    with call.world.lock:
        task_list = lookup.task_list(call, tasklist)
        item = lookup.task(task_list, task)
        lookup.check_if_match(call, item.etag)
        if not item.deleted:
            _delete(lookup.store(call), task_list, item)
    return Reply(204)


def _delete(store: TaskStore, task_list: TaskList, item: Task) -> None:
    """Mark the task and every subtask below it deleted (they stay listable with
    showDeleted)."""
    for node in [item] + task_list.descendants(item.id):
        if node is item or not node.deleted:
            node.deleted = True
            store.touch(task_list, node)


def move(call: Call, tasklist: str, task: str) -> dict:
    with call.world.lock:
        store = lookup.store(call)
        source = lookup.task_list(call, tasklist)
        item = lookup.task(source, task)
        if item.deleted:
            raise errors.not_found()
        lookup.check_if_match(call, item.etag)
        destination = source
        if call.get("destinationTasklist"):
            destination = lookup.task_list(call, call.get("destinationTasklist"))
        parent, previous = _anchors(call, destination, item)
        if item.hidden and item.status == "completed" and (parent or previous):
            raise errors.invalid_value("parent" if parent else "previous")
        if parent != item.parent or destination is not source:
            _check_limits(call, destination, parent, new_in_list=destination is not source,
                          new_task=False)
        if destination is not source:
            for node in [item] + source.descendants(item.id):
                del source.tasks[node.id]
                destination.tasks[node.id] = node
                if node is not item:
                    store.touch(destination, node)
            source.version += 1
        store.place(destination, item, parent, previous)
        store.touch(destination, item)
        return render.task(destination.id, item)


def clear(call: Call, tasklist: str) -> Reply:
    """Every completed task of the list becomes hidden (not deleted)."""
    with call.world.lock:
        store = lookup.store(call)
        task_list = lookup.task_list(call, tasklist)
        for item in list(task_list.tasks.values()):
            if item.status == "completed" and not item.hidden and not item.deleted:
                item.hidden = True
                store.touch(task_list, item)
    return Reply(204)


def _anchors(call: Call, task_list: TaskList, moving: Task | None) -> tuple[str | None,
                                                                             str | None]:
    """The ``parent`` and ``previous`` query parameters, checked against the list."""
    parent_id, previous_id = call.get("parent") or None, call.get("previous") or None
    for name, anchor_id in (("parent", parent_id), ("previous", previous_id)):
        if anchor_id is None:
            continue
        anchor = task_list.tasks.get(anchor_id)
        if anchor is None or anchor.deleted:
            raise errors.not_found()
        if anchor.hidden or moving is not None and anchor.id == moving.id:
            raise errors.invalid_value(name)
    if moving is not None and parent_id is not None and parent_id in {
            t.id for t in task_list.descendants(moving.id)}:
        raise errors.invalid_value("parent")        # a task cannot move below itself
    if previous_id is not None and task_list.tasks[previous_id].parent != parent_id:
        raise errors.invalid_value("previous")
    return parent_id, previous_id


def _check_limits(call: Call, task_list: TaskList, parent: str | None, *,
                  new_in_list: bool = True, new_task: bool = True) -> None:
    if parent is not None and len(task_list.children(parent)) >= MAX_SUBTASKS:
        raise errors.limit_reached("subtasks")
    # Counting is linear; the stored totals are upper bounds that rule it out cheaply.
    if new_in_list and len(task_list.tasks) >= MAX_VISIBLE_PER_LIST and sum(
            1 for t in task_list.tasks.values()
            if not t.hidden and not t.deleted) >= MAX_VISIBLE_PER_LIST:
        raise errors.limit_reached("tasks in this list")
    lists = lookup.user(call).lists.values()
    if new_task and sum(len(tl.tasks) for tl in lists) >= MAX_TASKS_TOTAL and sum(
            1 for tl in lists for t in tl.tasks.values() if not t.deleted) >= MAX_TASKS_TOTAL:
        raise errors.limit_reached("tasks")
