"""The bridge as one object: store, Google clients and sync engine, built from settings."""

from __future__ import annotations

import logging
import re
import threading
from typing import Callable

from .google import GoogleClient, credentials
from .settings import Settings
from .store import Store
from .sync import SyncEngine
from .write import Writer

log = logging.getLogger(__name__)


class Bridge:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = Store(settings.database)
        self.engine = SyncEngine(self.store, self.client_for, freshness=settings.freshness)
        self.writer = Writer(self.store, self.engine, self.client_for,
                             send_updates=settings.send_updates)
        self._clients: dict[int, GoogleClient] = {}
        self._clients_lock = threading.Lock()

    def client_for(self, account_id: int) -> GoogleClient:
        with self._clients_lock:
            client = self._clients.get(account_id)
            if client is None:
                account = self.store.account(account_id)
                client = self._client(account.credentials_path, account.subject)
                self._clients[account_id] = client
            return client

    def _client(self, path: str, subject: str | None) -> GoogleClient:
        creds = credentials.load(path, subject=subject,
                                 token_uri=self.settings.google_token_uri)
        return GoogleClient(creds, api_endpoint=self.settings.google_api_endpoint,
                            timeout=self.settings.google_timeout)

    def link(self, user: str, credentials_file: str, *, subject: str | None = None,
             progress: Callable[[str, int, int], None] | None = None) -> int:
        """Link a CalDAV user to Google credentials and run the first sync.
        ``progress(calendar_name, done, total)`` is called as calendars complete."""
        info = credentials.read_info(credentials_file)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{user}-{subject or 'self'}") + ".json"
        stored = credentials.save(info, self.settings.credentials_dir, name)
        client = self._client(stored, subject)
        primary = client.call(lambda s: s.calendarList().get(calendarId="primary"))
        email = primary["id"].lower()
        with self.store.write() as tx:
            account_id = tx.add_account(user, email, info["type"], stored, subject)
        with self._clients_lock:
            self._clients[account_id] = client
        calendar_ids = self.engine.sync_calendar_list(account_id)
        for done, calendar_id in enumerate(calendar_ids, 1):
            self.engine.sync_calendar(calendar_id)
            if progress:
                row = self.store.calendar(calendar_id)
                progress(row.summary_override or row.summary, done, len(calendar_ids))
        return account_id

    def sync_user(self, user: str) -> None:
        """Bring every calendar of a user up to date (used by tests and the CLI)."""
        for account in self.store.accounts(user):
            self.engine.sync_calendar_list(account.id)
            for calendar in self.store.calendars_of_account(account.id):
                self.engine.sync_calendar(calendar.id)
