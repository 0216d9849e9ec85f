"""Task and TaskList resources as Google sends them: field order, read-only links, and
defaults (``deleted``/``hidden`` false, no notes) left out."""

from __future__ import annotations

import base64
import hashlib

from emulator import times

from .store import Task, TaskList, decoded_id

GOOGLE_API = "https://www.googleapis.com/tasks/v1"


def collection_etag(*parts: object) -> str:
    """A list response's etag: changes whenever anything it summarises changes."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return '"' + base64.urlsafe_b64encode(digest).decode()[:11] + '"'


def task_list(task_list_: TaskList) -> dict:
    return {"kind": "tasks#taskList", "id": task_list_.id, "etag": task_list_.etag,
            "title": task_list_.title, "updated": times.format_timestamp(task_list_.updated),
            "selfLink": f"{GOOGLE_API}/users/@me/lists/{task_list_.id}"}


def task(list_id: str, item: Task) -> dict:
    out = {"kind": "tasks#task", "id": item.id, "etag": item.etag, "title": item.title,
           "updated": times.format_timestamp(item.updated),
           "selfLink": f"{GOOGLE_API}/lists/{list_id}/tasks/{item.id}"}
    if item.parent:
        out["parent"] = item.parent
    out["position"] = f"{item.position:020d}"
    if item.notes is not None:
        out["notes"] = item.notes
    out["status"] = item.status
    for key in ("due", "completed"):
        if getattr(item, key):
            out[key] = getattr(item, key)
    if item.deleted:
        out["deleted"] = True
    if item.hidden:
        out["hidden"] = True
    out["webViewLink"] = f"https://tasks.google.com/task/{decoded_id(item.id)}?sa=6"
    return out
