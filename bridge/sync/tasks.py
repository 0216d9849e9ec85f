"""Google task lists → collections, their tasks → VTODO resources.

The Tasks API offers neither sync tokens nor push, so a task list is synced by listing:

* in full the first time and every ``full_every`` seconds (diffed into the store like a
  calendar's 410 re-list, so anything an incremental listing missed - clock skew, a task
  moved to another list - is caught and clients see only real changes);
* otherwise with ``updatedMin`` = the newest ``updated`` seen minus ``MARGIN`` (Google's
  clocks, not ours), deleted and hidden tasks included; tasks whose etag we already hold
  are skipped.

The list's state lives in the collection's ``sync_token`` column as JSON (``top``: newest
``updated`` seen, ``full``: when the last full listing ran). Each task is one row of
``google_events`` (event id = task id); Google-created tasks get the UID
``<task id>@tasks.google.com``, client-created ones keep the client's (the row's ``uid``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Callable

from ..google import GoogleClient, GoogleError, credentials
from ..google import tasks as google_tasks
from ..model import Calendar, Kind
from ..store import Store
from ..translate import tasks as translate
from . import mirror
from .materialise import View

log = logging.getLogger(__name__)

UID_SUFFIX = "@tasks.google.com"
MARGIN = dt.timedelta(seconds=60)
FULL_EVERY = 3600.0


def uid_for(task_id: str) -> str:
    return task_id + UID_SUFFIX


def href_for_task(task_id: str) -> str:
    return task_id + ".ics"       # task ids are base64url: nothing a client re-encodes


def may_use_tasks(client: GoogleClient) -> bool:
    """Whether the account's credentials carry the Tasks scope (asked only if granted)."""
    return credentials.TASKS_SCOPE in (getattr(client.credentials, "scopes", None) or ())


class TaskSync:
    def __init__(self, store: Store, client_for: Callable[[int], GoogleClient], *,
                 clock: Callable[[], float] = time.time, full_every: float = FULL_EVERY):
        self.store, self.client_for, self.clock = store, client_for, clock
        self.full_every = full_every
        self._refused: set[int] = set()         # accounts told once about a missing scope

    # --- task lists ---------------------------------------------------------------------------

    def sync_lists(self, account_id: int) -> list[int]:
        """Mirror the account's task lists as collections; answers their ids (none when the
        credentials lack the Tasks scope: logged once per account)."""
        client = self.client_for(account_id)
        if not may_use_tasks(client):
            return []
        try:
            entries = google_tasks.list_tasklists(client)
        except GoogleError as exc:
            if exc.status != 403:
                raise
            if account_id not in self._refused:
                self._refused.add(account_id)
                log.warning("account %s: Google refused the task lists (%s); serving no "
                            "task lists until the account signs in with the Tasks scope",
                            account_id, exc.reason or exc.status)
            return []
        account = self.store.account(account_id)
        seen = []
        with self.store.write() as tx:
            for entry in entries:
                seen.append(tx.upsert_calendar(
                    account_id, account.user_id, entry["id"],
                    slug_base="tasks-" + (entry.get("title") or entry["id"]),
                    summary=entry.get("title", ""), access_role="owner", kind=Kind.TASKS.value))
            for row in self.store.calendars_of_account(account_id):
                if row.kind is Kind.TASKS and row.id not in seen:
                    log.info("task list %s left account %s", row.id, account_id)
                    tx.forget_calendar(row.id)
        return seen

    # --- tasks --------------------------------------------------------------------------------

    def sync_list(self, calendar_id: int) -> int:
        """Bring one task list up to date (the caller holds its lease); answers how many
        resources changed for clients."""
        calendar = self.store.calendar(calendar_id)
        client = self.client_for(calendar.account_id)
        state = json.loads(calendar.sync_token or "{}")
        now = self.clock()
        if not state.get("top") or now - state.get("full", 0.0) >= self.full_every:
            tasks = google_tasks.list_tasks(client, calendar.google_id)
            return self._apply_full(calendar, tasks, {"top": _newest(tasks, None), "full": now})
        since = _parse(state["top"]) - MARGIN
        tasks = google_tasks.list_tasks(client, calendar.google_id,
                                        updated_min=_format(since))
        state["top"] = _newest(tasks, state["top"])
        return self._apply_incremental(calendar, tasks, state)

    def _apply_full(self, calendar: Calendar, tasks: list[dict], state: dict) -> int:
        known = self.store.event_uids(calendar.id, [t["id"] for t in tasks])
        owner = {t["id"]: known.get(t["id"]) or uid_for(t["id"]) for t in tasks}
        existing = self._existing(calendar.id, None)
        views: dict[str, View | None] = {uid: None for uid in existing}
        views.update(self._views(calendar, tasks, owner))
        with self.store.write() as tx:
            tx.clear_google_events(calendar.id)
            for task in tasks:
                tx.add_google_event(calendar.id, task, owner[task["id"]])
            for uid in existing.keys() - set(owner.values()):
                tx.set_shadow(calendar.id, uid, None)       # gone from Google
            changed = mirror.commit(tx, calendar.id, views, existing,
                                    hrefs=self._new_hrefs(calendar.id, owner, existing))
            tx.set_calendar(calendar.id, sync_token=json.dumps(state), last_sync=self.clock(),
                            last_error=None)
        return changed

    def _apply_incremental(self, calendar: Calendar, tasks: list[dict], state: dict) -> int:
        known = self.store.event_uids(calendar.id, [t["id"] for t in tasks])
        stored = self._stored_etags(calendar.id, known)
        live, gone = [], []
        for task in tasks:
            if task.get("deleted"):
                if task["id"] in known:
                    gone.append(task["id"])
            elif stored.get(task["id"]) != task.get("etag"):
                live.append(task)
        owner = {t["id"]: known.get(t["id"]) or uid_for(t["id"]) for t in live}
        uids = list(owner.values()) + [known[i] for i in gone]
        existing = self._existing(calendar.id, uids)
        views: dict[str, View | None] = {known[i]: None for i in gone}
        views.update(self._views(calendar, live, owner))
        with self.store.write() as tx:
            for task_id in gone:
                tx.delete_google_event(calendar.id, task_id)
                tx.set_shadow(calendar.id, known[task_id], None)
            for task in live:
                tx.put_google_event(calendar.id, task, owner[task["id"]])
            changed = mirror.commit(tx, calendar.id, views, existing,
                                    hrefs=self._new_hrefs(calendar.id, owner, existing))
            tx.set_calendar(calendar.id, sync_token=json.dumps(state), last_sync=self.clock(),
                            last_error=None)
        return changed

    # --- after a client's write (the caller holds the list's lease) ---------------------------

    def store_task(self, calendar: Calendar, uid: str, task: dict, kept: dict | None,
                   href: str) -> None:
        """Google's answer to a client's write and what the client sent that Google cannot
        hold, with the resource at the client's ``href``, in one transaction."""
        views = self._views(calendar, [task], {task["id"]: uid}, {uid: kept})
        with self.store.write() as tx:
            tx.put_google_event(calendar.id, task, uid)
            tx.set_shadow(calendar.id, uid, kept)
            mirror.commit(tx, calendar.id, views, self._existing(calendar.id, [uid]),
                          hrefs={uid: href})

    def parent_uid(self, calendar_id: int, task: dict) -> str | None:
        parent = task.get("parent")
        return self.store.event_uids(calendar_id, [parent]).get(parent) if parent else None

    # --- helpers --------------------------------------------------------------------------------

    def _views(self, calendar: Calendar, tasks: list[dict], owner: dict[str, str],
               kept: dict[str, dict | None] | None = None) -> dict[str, View]:
        parents = {t["parent"] for t in tasks if t.get("parent")}
        parent_uids = self.store.event_uids(calendar.id, parents - set(owner))
        parent_uids.update(owner)
        if kept is None:
            kept = self.store.shadows(calendar.id, list(owner.values()))
        out = {}
        for task in tasks:
            uid = owner[task["id"]]
            rendered = translate.render(task, uid, parent_uids.get(task.get("parent")),
                                        kept.get(uid))
            out[uid] = View(rendered, None, None)
        return out

    def _existing(self, calendar_id: int, uids: list[str] | None) -> dict[str, mirror.Existing]:
        if uids is None:
            return {uid: mirror.Existing(href, etag, False)
                    for uid, (href, etag) in self.store.item_etags(calendar_id).items()}
        return {uid: mirror.Existing(*row)
                for uid, row in self.store.item_hrefs_by_uid(calendar_id, uids).items()}

    def _stored_etags(self, calendar_id: int, known: dict[str, str]) -> dict[str, str]:
        stored = self.store.google_events_by_uid(calendar_id, set(known.values()))
        return {task["id"]: task.get("etag") for group in stored.values() for task in group}

    def _new_hrefs(self, calendar_id: int, owner: dict[str, str],
                   existing: dict[str, mirror.Existing]) -> dict[str, str]:
        """Readable hrefs for Google's new tasks (``<task id>.ics``) unless taken."""
        wanted = {uid: href_for_task(task_id) for task_id, uid in owner.items()
                  if uid not in existing and uid == uid_for(task_id)}
        if not wanted:
            return {}
        taken = {item.href for item in self.store.items(calendar_id, list(wanted.values()))}
        return {uid: href for uid, href in wanted.items() if href not in taken}


def _parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _format(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _newest(tasks: list[dict], top: str | None) -> str | None:
    stamps = [_parse(t["updated"]) for t in tasks if t.get("updated")]
    if top:
        stamps.append(_parse(top))
    return _format(max(stamps)) if stamps else None
