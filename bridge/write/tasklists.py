"""Task lists made or renamed by a client (MKCALENDAR with VTODO, PROPPATCH displayname) →
Google's ``tasklists.insert`` / ``tasklists.patch``, then stored as the collection."""

from __future__ import annotations

from typing import Callable

from .. import errors
from ..google import GoogleClient, GoogleError
from ..google import tasks as google_tasks
from ..model import Kind
from ..store import Store
from ..store.transaction import slug_for
from ..sync import SyncEngine
from ..sync.tasks import may_use_tasks
from .errors import from_google

MAX_TITLE = 1024        # Google's limit for a list's title


class TaskListWriter:
    def __init__(self, store: Store, engine: SyncEngine,
                 client_for: Callable[[int], GoogleClient]):
        self.store, self.engine, self.client_for = store, engine, client_for

    def create(self, user: str, slug: str, title: str | None) -> int:
        """A new Google task list served at /user/slug/ (in the user's first account that
        grants the Tasks scope); answers the collection's id."""
        if slug_for(slug) != slug:
            raise errors.Invalid("A task list's URL segment may hold only lower-case letters, "
                                 "digits, '.', '_' and '-'.")
        if self.store.calendar_by_slug(user, slug) is not None:
            raise errors.Conflict(f"/{user}/{slug}/ already exists.")
        title = _title(title or slug)
        account = next((a for a in self.store.accounts(user)
                        if may_use_tasks(self.client_for(a.id))), None)
        if account is None:
            raise errors.Unsupported("No linked Google account of this user grants access to "
                                     "Google Tasks, so no task lists can be made; sign in "
                                     "again allowing Tasks.", component="VTODO")
        # Under the account's list lease: a list sync that read Google before the insert
        # would otherwise forget the new list, or store it under a slug of its own.
        with self.store.leases.exclusive(Kind.CALENDAR_LIST, account.id):
            try:
                entry = google_tasks.insert_tasklist(self.client_for(account.id), title)
            except GoogleError as exc:
                raise from_google(exc) from None
            with self.store.write() as tx:
                calendar_id = tx.upsert_calendar(
                    account.id, account.user_id, entry["id"], slug_base=slug,
                    summary=entry.get("title", title), access_role="owner",
                    kind=Kind.TASKS.value)
        self.engine.sync_calendar(calendar_id)
        return calendar_id

    def set_properties(self, calendar_id: int, changes: dict[str, str | None]) -> None:
        """PROPPATCH of a task list: Google holds its name and nothing else."""
        others = sorted(name for name in changes if name != "name")
        if others:
            raise errors.Unsupported(f"A Google task list holds only a name; {others[0]} "
                                     "cannot be set on it.")
        if "name" in changes:
            self.rename(calendar_id, changes["name"] or "")

    def rename(self, calendar_id: int, title: str) -> None:
        """The list's title on Google (its displayname here)."""
        account_id = self.store.calendar(calendar_id).account_id
        # The list lease first, as list syncs take them: one that read Google before the
        # rename would otherwise store the old title again.
        with self.store.leases.exclusive(Kind.CALENDAR_LIST, account_id), \
                self.engine.lease(calendar_id):
            calendar = self.store.calendar(calendar_id)
            try:
                entry = google_tasks.rename_tasklist(self.client_for(calendar.account_id),
                                                     calendar.google_id, _title(title))
            except GoogleError as exc:
                raise from_google(exc) from None
            with self.store.write() as tx:
                tx.set_calendar(calendar_id, summary=entry.get("title", title))


def _title(title: str) -> str:
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise errors.Invalid(f"A task list's name needs 1 to {MAX_TITLE} characters.")
    return title
