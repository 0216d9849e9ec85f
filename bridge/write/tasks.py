"""Client writes to a task list → Google Tasks: create, update (only the changed fields,
based on Google's etag: a concurrent change is a 412), complete and uncomplete (a status
change), move under another parent, delete (Google deletes the subtasks too).

Tasks have no client-chosen id, so a create whose answer was lost cannot collide with
itself as an event insert does. Instead the insert is never resent blindly: after a lost
answer the list is read and a task we do not know yet with exactly the sent fields is taken
as ours. (Two identical tasks created at the same moment on another device would be
indistinguishable; then one of them is adopted.) If that read fails too, the client is told
the outcome is unknown and the create is remembered: its retry looks again before inserting,
also among the tasks a sync has stored meanwhile as Google's own.
"""

from __future__ import annotations

import logging
from typing import Callable

from .. import errors
from ..google import GoogleClient, GoogleError, Unavailable
from ..google import tasks as google_tasks
from ..model import Calendar
from ..store import Store
from ..sync import SyncEngine
from ..sync.tasks import uid_for
from ..translate import ICalError, UnsupportedComponent
from ..translate import tasks as translate
from .errors import from_google
from .resolve import OutcomeUnknown

log = logging.getLogger(__name__)
FIELDS = ("title", "notes", "due", "status", "completed")


class TaskWriter:
    def __init__(self, store: Store, engine: SyncEngine,
                 client_for: Callable[[int], GoogleClient]):
        self.store, self.engine, self.client_for = store, engine, client_for
        # (list id, UID) -> (body, parent) of creates whose outcome Google left unknown
        self._unsettled: dict[tuple[int, str], tuple[dict, str | None]] = {}

    # --- PUT ----------------------------------------------------------------------------------

    def put(self, calendar_id: int, href: str, text: str) -> None:
        with self.engine.lease(calendar_id):
            calendar = self.store.calendar(calendar_id)
            new = _parse(text)
            current = self.store.item(calendar.id, href)
            stored = self.store.google_events_of(calendar.id, new.uid)
            if current is None and stored:
                raise errors.Conflict("A task with this UID already exists in the list.",
                                      uid=new.uid)
            if current is not None and current.uid != new.uid:
                raise errors.Conflict("A resource's UID cannot change; delete it and create "
                                      "a new one.", uid=new.uid)
            parent_id = self._parent_id(calendar, new)
            client = self.client_for(calendar.account_id)
            try:
                if not stored:
                    task = self._adopt_unsettled(client, calendar, new, parent_id) \
                        or self._create(client, calendar, new, parent_id)
                else:
                    task = self._update(client, calendar, _parse(current.text).fields, new,
                                        stored[0], parent_id)
            except GoogleError as exc:
                raise from_google(exc) from None
            kept = translate.keep(new, task, new.parent_uid if parent_id else None)
            self.engine.tasks.store_task(calendar, new.uid, task, kept, href)
            self.engine.settle(calendar.id)

    def _parent_id(self, calendar: Calendar, new: translate.ParsedTask) -> str | None:
        """The Google id of the parent the client named; a parent not in this list stays a
        plain property of the task (kept, not mapped)."""
        if not new.parent_uid or new.parent_uid == new.uid:
            return None
        rows = self.store.google_events_of(calendar.id, new.parent_uid)
        if rows:
            return rows[0]["id"]
        new.props.append(new.sent["RELATED-TO"])
        new.sent["RELATED-TO"], new.parent_uid = None, None
        return None

    def _create(self, client: GoogleClient, calendar: Calendar, new: translate.ParsedTask,
                parent_id: str | None) -> dict:
        body = {k: v for k, v in new.fields.items() if v is not None}
        try:
            return google_tasks.insert(client, calendar.google_id, body, parent=parent_id)
        except Unavailable as exc:
            if exc.status:
                raise
            try:
                found = self._landed(client, calendar, body, parent_id)
            except GoogleError as lookup:
                self._unsettled[(calendar.id, new.uid)] = (body, parent_id)
                raise OutcomeUnknown(f"looking the task up failed: {lookup}") from None
            if found is None:
                raise
            log.info("task insert in list %s: answer lost, the task had landed", calendar.id)
            return found

    def _adopt_unsettled(self, client: GoogleClient, calendar: Calendar,
                         new: translate.ParsedTask, parent_id: str | None) -> dict | None:
        """A create retried after Google left its outcome unknown: the task it made, if it
        landed, brought up to what the client sends now."""
        sent = self._unsettled.get((calendar.id, new.uid))
        if sent is None:
            return None
        found = self._landed(client, calendar, *sent, synced_too=True)
        del self._unsettled[(calendar.id, new.uid)]     # looked: the outcome is known now
        if found is None:
            return None
        log.info("task create in list %s: an earlier attempt had landed", calendar.id)
        if self.store.event_uids(calendar.id, [found["id"]]):   # a sync stored it as Google's
            self.engine.store_removal(calendar, uid_for(found["id"]))
        return self._update(client, calendar, sent[0], new, found, parent_id)

    def _landed(self, client: GoogleClient, calendar: Calendar, body: dict,
                parent_id: str | None, *, synced_too: bool = False) -> dict | None:
        """A task of the list we do not know that holds exactly ``body``, if just one (with
        ``synced_too``, also one a sync stored as Google's own, not a client's)."""
        listed = google_tasks.list_tasks(client, calendar.google_id)
        known = self.store.event_uids(calendar.id, [t["id"] for t in listed])
        ours = {task_id for task_id, uid in known.items()
                if not (synced_too and uid == uid_for(task_id))}
        matches = [t for t in listed if t["id"] not in ours and t.get("parent") == parent_id
                   and _holds(t, body)]
        return matches[0] if len(matches) == 1 else None

    def _update(self, client: GoogleClient, calendar: Calendar, old: dict,
                new: translate.ParsedTask, task: dict, parent_id: str | None) -> dict:
        """Google's ``task`` (holding the fields ``old``) brought to what ``new`` says."""
        changed = {k: new.fields.get(k) for k in FIELDS if old.get(k) != new.fields.get(k)}
        if changed.get("status") == "completed" and not new.fields["completed"]:
            changed.pop("completed", None)      # Google stamps the completion time
        if changed:
            task = self._patch(client, calendar, task, changed)
        if task.get("parent") != parent_id:
            task = google_tasks.move(client, calendar.google_id, task["id"], parent=parent_id)
        return task

    def _patch(self, client: GoogleClient, calendar: Calendar, task: dict, body: dict) -> dict:
        try:
            return google_tasks.patch(client, calendar.google_id, task["id"], body,
                                      etag=task.get("etag"))
        except GoogleError as exc:
            if exc.status != 412:
                raise
            # Our own earlier attempt may have landed (a lost answer, resent): then Google
            # already holds what we want, and that is no conflict.
            now = google_tasks.get(client, calendar.google_id, task["id"])
            if not _holds(now, body):
                raise
            return now

    # --- DELETE -------------------------------------------------------------------------------

    def delete(self, calendar_id: int, href: str) -> None:
        with self.engine.lease(calendar_id):
            calendar = self.store.calendar(calendar_id)
            current = self.store.item(calendar.id, href)
            if current is None:
                return
            client = self.client_for(calendar.account_id)
            for task in self.store.google_events_of(calendar.id, current.uid):
                try:
                    google_tasks.delete(client, calendar.google_id, task["id"],
                                        etag=task.get("etag"))
                except GoogleError as exc:
                    if exc.status not in (404, 410):       # already gone: what we wanted
                        raise from_google(exc) from None
            self.engine.store_removal(calendar, current.uid)
            self.engine.settle(calendar.id)


def _parse(text: str) -> translate.ParsedTask:
    try:
        return translate.parse(text)
    except UnsupportedComponent as exc:
        raise errors.Unsupported(str(exc), component="VTODO") from None
    except ICalError as exc:
        raise errors.Invalid(str(exc)) from None


def _holds(task: dict, body: dict) -> bool:
    """Whether Google's task carries the fields of a write body (a completion time Google
    stamped itself counts as carried)."""
    for key, value in body.items():
        have = task.get(key)
        if key == "due":
            have, value = (have or "")[:10], (value or "")[:10]
        if key == "completed" and value is None:
            continue
        if (have or None) != (value or None):
            return False
    return True
