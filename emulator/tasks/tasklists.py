"""tasklists.list / get / insert / update / patch / delete."""

from __future__ import annotations

from emulator import listing, tokens
from emulator.call import Call, Reply

from . import errors, fields, lookup, render
from .store import new_etag

MAX_LISTS = 2000
DEFAULT_PAGE = MAX_PAGE = 1000      # revision 20261101 (20 / 100 in 2021)


def list_lists(call: Call) -> dict:
    with call.world.lock:
        user = lookup.user(call)
        limit = call.integer("maxResults", DEFAULT_PAGE, 1, MAX_PAGE)
        page = listing.read_page_token(call)
        keyed = [([f"{tl.order:012d}"], render.task_list(tl)) for tl in user.lists.values()]
        items, next_page = listing.paginate(keyed, page, limit, {},
                                            tokens.query_fingerprint(call.params))
        etag = render.collection_etag(*(tl.etag for tl in user.lists.values()))
    out: dict = {"kind": "tasks#taskLists", "etag": etag}
    if next_page:
        out["nextPageToken"] = next_page
    if items:
        out["items"] = items
    return out


def get(call: Call, tasklist: str) -> dict:
    with call.world.lock:
        return render.task_list(lookup.task_list(call, tasklist))


def insert(call: Call) -> dict:
    with call.world.lock:
        title = fields.list_title(call.body if call.body is not None else {}, None)
        if len(lookup.user(call).lists) >= MAX_LISTS:
            raise errors.limit_reached("task lists")
        return render.task_list(lookup.store(call).add_list(call.account.email, title))


def update(call: Call, tasklist: str, *, patch: bool = False) -> dict:
    with call.world.lock:
        task_list = lookup.task_list(call, tasklist)
        lookup.check_if_match(call, task_list.etag)
        task_list.title = fields.list_title(call.body, task_list.title if patch else None)
        task_list.etag, task_list.updated = new_etag(), lookup.store(call).stamp()
        return render.task_list(task_list)


def patch(call: Call, tasklist: str) -> dict:
    return update(call, tasklist, patch=True)


def delete(call: Call, tasklist: str) -> Reply:
    """Removes the list with its tasks; the default list cannot be deleted."""
    with call.world.lock:
        user = lookup.user(call)
        task_list = lookup.task_list(call, tasklist)
        if task_list.id == user.default_id:
            raise errors.invalid_value("tasklist")
        lookup.check_if_match(call, task_list.etag)
        del user.lists[task_list.id]
    return Reply(204)
