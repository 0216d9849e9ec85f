"""Task lists and tasks in memory: ids, etags, sibling positions and the task tree.

Mutate only while holding ``World.lock``. Every change of a task goes through ``touch`` so
its etag and ``updated`` move together; ``updated`` is strictly increasing per store, so a
client's ``updatedMin`` watermark never sees two changes as simultaneous.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import secrets
from dataclasses import dataclass, field

from emulator import times

# Positions are sparse so inserts rarely disturb siblings: a lone task sits at FIRST, new
# neighbours STEP away, a task between two others at their midpoint.
STEP = 1 << 20
FIRST = STEP << 20
POSITION_MAX = 10**20 - 1
DEFAULT_TITLE = "My Tasks"
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def new_id() -> str:
    """Google's current style: unpadded base64url of a 16-character token."""
    return _b64("".join(secrets.choice(_ID_ALPHABET) for _ in range(16)))


def default_list_id(email: str) -> str:
    """Like Google's ``b64("<user number>:0:0")``, stable per account."""
    number = int(hashlib.sha256(email.encode()).hexdigest(), 16) % 10**20
    return _b64(f"{number:020d}:0:0")


def decoded_id(task_id: str) -> str:
    """The token inside an id (webViewLink shows it); the id itself if it is not base64."""
    try:
        return base64.urlsafe_b64decode(task_id + "=" * (-len(task_id) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return task_id


def new_etag() -> str:
    return '"' + secrets.token_urlsafe(8)[:11] + '"'


@dataclass
class Task:
    id: str
    updated: dt.datetime
    position: int
    title: str = ""
    notes: str | None = None
    status: str = "needsAction"
    due: str | None = None              # always "YYYY-MM-DDT00:00:00.000Z"
    completed: str | None = None
    deleted: bool = False
    hidden: bool = False
    parent: str | None = None
    etag: str = field(default_factory=new_etag)


@dataclass
class TaskList:
    id: str
    title: str
    updated: dt.datetime
    order: int = 0                      # creation order, for tasklists.list
    etag: str = field(default_factory=new_etag)
    tasks: dict[str, Task] = field(default_factory=dict)
    version: int = 0                    # bumped on every change of a task (collection etag)

    def children(self, parent: str | None) -> list[Task]:
        """Siblings under ``parent`` (None: top level) in position order."""
        out = [t for t in self.tasks.values() if t.parent == parent and not t.deleted]
        return sorted(out, key=lambda t: (t.position, t.id))

    def descendants(self, task_id: str) -> list[Task]:
        out, todo = [], [task_id]
        while todo:
            current = todo.pop()
            kids = [t for t in self.tasks.values() if t.parent == current]
            out += kids
            todo += [t.id for t in kids]
        return out

    def tree_key(self, task: Task) -> list:
        """Depth-first order: the (position, id) pairs from the top level down to ``task``."""
        path = []
        node: Task | None = task
        while node is not None:
            path[:0] = [f"{node.position:020d}", node.id]
            node = self.tasks.get(node.parent) if node.parent else None
        return path


@dataclass
class UserTasks:
    lists: dict[str, TaskList] = field(default_factory=dict)    # creation order
    default_id: str = ""

    def find(self, list_id: str) -> TaskList | None:
        """A list by id; ``@default`` names the default list."""
        return self.lists.get(self.default_id if list_id == "@default" else list_id)


class TaskStore:
    """Every account's task lists, keyed by account email."""

    def __init__(self) -> None:
        self._users: dict[str, UserTasks] = {}
        self._last_stamp = times.now()
        self._orders = itertools.count()
        self.honour_if_match = True     # Google's enforcement is unconfirmed: a knob

    def user(self, email: str) -> UserTasks:
        """The account's lists; Google gives every account a default list from the start."""
        user = self._users.get(email)
        if user is None:
            user = UserTasks(default_id=default_list_id(email))
            user.lists[user.default_id] = TaskList(user.default_id, DEFAULT_TITLE, self.stamp(),
                                                   next(self._orders))
            self._users[email] = user
        return user

    def stamp(self) -> dt.datetime:
        """Now, at millisecond resolution, strictly after every earlier stamp."""
        now = times.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        earliest = self._last_stamp + dt.timedelta(milliseconds=1)
        self._last_stamp = max(now, earliest)
        return self._last_stamp

    def touch(self, task_list: TaskList, task: Task) -> None:
        task.etag, task.updated = new_etag(), self.stamp()
        task_list.version += 1

    def add_list(self, email: str, title: str) -> TaskList:
        task_list = TaskList(new_id(), title, self.stamp(), next(self._orders))
        self.user(email).lists[task_list.id] = task_list
        return task_list

    def place(self, task_list: TaskList, task: Task, parent: str | None,
              previous: str | None) -> None:
        """Give ``task`` a position under ``parent`` right after ``previous`` (None: first).
        When the gap is used up the siblings are renumbered, which changes them too."""
        task.parent = parent
        before = task_list.tasks[previous].position if previous else None
        later = [t.position for t in task_list.tasks.values()
                 if t.parent == parent and not t.deleted and t is not task
                 and (before is None or t.position > before)]
        position = _between(before, min(later, default=None))
        if position is None:
            siblings = [t for t in task_list.children(parent) if t is not task]
            index = 0 if previous is None else [t.id for t in siblings].index(previous) + 1
            siblings.insert(index, task)
            for n, sibling in enumerate(siblings):
                if sibling is not task and sibling.position != FIRST + n * STEP:
                    sibling.position = FIRST + n * STEP
                    self.touch(task_list, sibling)
            position = FIRST + index * STEP
        task.position = position


def _between(before: int | None, after: int | None) -> int | None:
    if before is None and after is None:
        return FIRST
    if before is None:
        return after - STEP if after >= STEP else (after // 2 if after > 0 else None)
    if after is None:
        return before + STEP if before + STEP <= POSITION_MAX else None
    return (before + after) // 2 if after - before > 1 else None
