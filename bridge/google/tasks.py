"""Google Tasks (Tasks API v1 ``tasklists`` and ``tasks``), the calls the bridge makes.

The Tasks API has no sync tokens and no push: a listing is either full or bounded below by
``updatedMin``. Every listing asks for completed and hidden tasks (completed in Google's own
apps means hidden at once), incremental ones for deleted tasks too. Writes may carry the
etag the change is based on (If-Match: a stale one fails with 412).
"""

from __future__ import annotations

from . import credentials
from .client import GoogleClient

API = "tasks"
PAGE_SIZE = 100         # Google's maximum for tasks.list
LISTS_PAGE_SIZE = 1000  # ... and for tasklists.list


def list_tasklists(client: GoogleClient) -> list[dict]:
    """Every task list of the account, all pages."""
    lists, _ = client.list_pages(lambda service, page: service.tasklists().list(
        maxResults=LISTS_PAGE_SIZE, pageToken=page), api=API)
    return lists


def list_tasks(client: GoogleClient, tasklist: str, *, updated_min: str | None = None,
               page_size: int = PAGE_SIZE) -> list[dict]:
    """Every task of the list (completed and hidden ones included); with ``updated_min``
    (RFC 3339) only those changed since, deleted ones included (``deleted: true``)."""
    def request(service, page):
        params = dict(tasklist=tasklist, maxResults=page_size, pageToken=page,
                      showCompleted=True, showHidden=True)
        if updated_min:
            params.update(updatedMin=updated_min, showDeleted=True)
        return service.tasks().list(**params)
    tasks, _ = client.list_pages(request, api=API)
    return tasks


def get(client: GoogleClient, tasklist: str, task: str) -> dict:
    return client.call(lambda service: service.tasks().get(tasklist=tasklist, task=task),
                       api=API)


def insert(client: GoogleClient, tasklist: str, body: dict, *,
           parent: str | None = None) -> dict:
    """A new task, first among its siblings. Not retried after a lost answer: Google would
    create a second task (tasks have no client-chosen id); the caller looks for it."""
    return client.call(lambda service: service.tasks().insert(
        tasklist=tasklist, body=body, parent=parent), api=API, retry_connection_errors=False)


def patch(client: GoogleClient, tasklist: str, task: str, body: dict, *,
          etag: str | None = None) -> dict:
    return client.call(lambda service: service.tasks().patch(
        tasklist=tasklist, task=task, body=body), headers=_if_match(etag), api=API)


def move(client: GoogleClient, tasklist: str, task: str, *, parent: str | None) -> dict:
    """Put the task under ``parent`` (None: top level), first among its new siblings."""
    return client.call(lambda service: service.tasks().move(
        tasklist=tasklist, task=task, parent=parent), api=API)


def delete(client: GoogleClient, tasklist: str, task: str, *, etag: str | None = None) -> None:
    """Delete the task (Google deletes its subtasks with it)."""
    client.call(lambda service: service.tasks().delete(tasklist=tasklist, task=task),
                headers=_if_match(etag), api=API)


def insert_tasklist(client: GoogleClient, title: str) -> dict:
    return client.call(lambda service: service.tasklists().insert(body={"title": title}),
                       api=API, retry_connection_errors=False)


def rename_tasklist(client: GoogleClient, tasklist: str, title: str) -> dict:
    return client.call(lambda service: service.tasklists().patch(
        tasklist=tasklist, body={"title": title}), api=API)


def _if_match(etag: str | None) -> dict[str, str] | None:
    return {"If-Match": etag} if etag else None


def scopes_for(info: dict) -> list[str]:
    """The scopes to ask for with stored credentials: Calendar, and Tasks when the sign-in
    granted it (asking for a scope never granted would make Google refuse the refresh)."""
    granted = info.get("scopes") or []
    granted = granted.split() if isinstance(granted, str) else granted
    return [credentials.CALENDAR_SCOPE] + (
        [credentials.TASKS_SCOPE] if credentials.TASKS_SCOPE in granted else [])
