"""Demo tasks: the default list with an open task, a task with two subtasks and a completed
one, and a second "Groceries" list."""

from __future__ import annotations

import datetime as dt

from emulator.call import Call
from emulator.state import World

from . import items, lookup


def demo(world: World, email: str) -> None:
    """Caller holds the world lock; ``email`` is an existing account."""
    call = Call(world, world.accounts[email], {})
    today = dt.date.today()
    default = lookup.user(call).default_id
    _add(call, default, {"title": "Completed: file the tax return", "status": "completed"})
    _add(call, default, {"title": "Call the plumber", "notes": "About the kitchen sink",
                         "due": f"{today + dt.timedelta(days=1)}T00:00:00.000Z"})
    trip = _add(call, default, {"title": "Plan the Lisbon offsite",
                                "due": f"{today + dt.timedelta(days=10)}T00:00:00.000Z"})
    first = _add(call, default, {"title": "Book flights"}, parent=trip)
    _add(call, default, {"title": "Reserve a meeting room"}, parent=trip, previous=first)
    groceries = lookup.store(call).add_list(email, "Groceries")
    previous = None
    for title in ("Olive oil", "Bread", "Coffee beans"):
        previous = _add(call, groceries.id, {"title": title}, previous=previous)


def _add(call: Call, list_id: str, body: dict, *, parent: str | None = None,
         previous: str | None = None) -> str:
    call.body = body
    call.params = {k: [v] for k, v in (("parent", parent), ("previous", previous)) if v}
    return items.insert(call, list_id)["id"]
