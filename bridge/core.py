"""The bridge as one object: store, Google clients and sync engine, built from settings."""

from __future__ import annotations

import logging
import re
import threading
from typing import Callable

from .google import GoogleClient, credentials
from .ops.metrics import Metrics
from .background.channels import ChannelManager
from .background.notifications import Notifications
from .background.scheduler import Intervals, Scheduler
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
        self.metrics = Metrics(self.store)
        self.engine.observers += [self.metrics.observe_sync, self._remember_error]
        self.engine.push_healthy = self._push_healthy
        self.engine.list_push_healthy = self._list_push_healthy
        self.notifications = Notifications(self.store, self.metrics, self._on_change)
        self.scheduler: Scheduler | None = None     # background work, while serving

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
        client = GoogleClient(creds, api_endpoint=self.settings.google_api_endpoint,
                              timeout=self.settings.google_timeout)
        client.observers.append(self.metrics.observe_call)
        return client

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

    # --- background work: polling, push channels, pruning (while serving) -------------------

    def start_background(self, intervals: Intervals, *, push_address: str | None = None,
                         channel_ttl: float = 604800.0) -> None:
        """Start the scheduler; with ``push_address`` (the webhook's public URL) every
        calendar and calendar list is watched by a push channel."""
        if self.scheduler is not None:
            return
        channels = ChannelManager(self.store, self.client_for, push_address, ttl=channel_ttl)
        self.scheduler = Scheduler(self.store, self.engine, channels, intervals,
                                   channel_ttl=channel_ttl)
        self.scheduler.start()

    def stop_background(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.stop()

    def _push_healthy(self, calendar_id: int) -> bool:
        # The engine asks on every client read of a calendar: note the read (polled calendars
        # are synced more often) and skip Google while a live channel watches the calendar.
        scheduler = self.scheduler
        if scheduler is None:
            return False
        scheduler.client_read(calendar_id)
        return scheduler.channels.healthy("events", calendar_id)

    def _list_push_healthy(self, account_id: int) -> bool:
        scheduler = self.scheduler
        return scheduler is not None and scheduler.channels.healthy("list", account_id)

    def _on_change(self, kind: str, key: int) -> None:
        scheduler = self.scheduler
        if scheduler is not None:       # without it, polling picks the change up
            scheduler.notify(kind, key)

    def _remember_error(self, kind: str, key: int, seconds: float,
                        error: Exception | None) -> None:
        # For `gcaldav status`; a successful sync clears it again.
        if error is None:
            return
        message = f"{type(error).__name__}: {error}"[:500]
        try:
            with self.store.write() as tx:
                if kind == "events":
                    tx.set_calendar(key, last_error=message)
                else:
                    tx.set_account(key, last_error=message)
        except Exception:       # never mask the sync's own error
            log.exception("recording the last error of %s %s failed", kind, key)
