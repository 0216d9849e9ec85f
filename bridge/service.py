"""The engine's façade: everything an adapter (the Radicale plugin, the web pages, the CLI)
may ask of the bridge. Adapters import this module, ``model``, ``errors`` and ``settings``,
nothing else of the engine (tests/bridge/test_layering.py checks it).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Callable, Iterable, Iterator

from . import accounts as linked_accounts
from . import errors
from .background.channels import ChannelManager
from .background.notifications import Notifications
from .background.scheduler import Intervals, Scheduler
from .google import GoogleClient, GoogleError, calendar_list, credentials
from .google.budget import Budgets
from .google import tasks as google_tasks
from .google.credential_store import CredentialStore, FileCredentialStore, RowCredentialStore
from .google.private_files import private_dir
from .model import Calendar, Changes, Item, Kind
from .ops import status
from .ops.metrics import Metrics
from .settings import Settings
from .store import Store, migrate, request_reads
from .store.credential_rows import CredentialRows
from .sync import SyncEngine, poison
from .translate.timezones import calendar_with_timezone as calendar_timezone
from .write import Writer
from .write import limits as write_limits
from .write.calendars import GOOGLE_HELD, CalendarWriter
from .write.errors import from_google
from .write.tasklists import TaskListWriter
from .write.tasks import TaskWriter

__all__ = ["Bridge", "Intervals", "Settings", "calendar_timezone"]
log = logging.getLogger(__name__)
SYNC_PREFIX = "http://radicale.org/ns/sync/"     # kept: clients hold tokens of this form


class Bridge:
    def __init__(self, settings: Settings):
        self.settings = settings
        private_dir(settings.data_dir)      # credentials and the database: owner only
        self.store = Store(settings.database)
        self.metrics = Metrics(self.store, skipped=poison.skipped)
        self.budgets = Budgets(settings.google_calls_per_minute,
                               sleep=lambda seconds: self.settings.sleep(seconds))
        self.budgets.observers.append(self.metrics.observe_budget)
        self.engine = SyncEngine(self.store, self.client_for, freshness=settings.freshness,
                                 clock=settings.clock)
        self.writer = Writer(self.store, self.engine, self.client_for,
                             send_updates=settings.send_updates)
        self.calendar_writer = CalendarWriter(
            self.store, self.engine, self.client_for, send_updates=settings.send_updates,
            allow_delete=settings.allow_calendar_delete)
        self.task_writer = TaskWriter(self.store, self.engine, self.client_for)
        self.task_lists = TaskListWriter(self.store, self.engine, self.client_for)
        self.credentials: CredentialStore = (
            RowCredentialStore(CredentialRows(self.store)) if self.store.shared
            else FileCredentialStore(settings.credentials_dir))
        self._clients: dict[int, tuple[str | None, GoogleClient]] = {}
        self._clients_lock = threading.Lock()
        self.engine.observers += [self.metrics.observe_sync, self._remember_error]
        self.sign_in = linked_accounts.SignInWatch(self.store, settings.clock)
        self.engine.observers.append(self.sign_in)
        self.engine.push_healthy = self._push_healthy
        self.engine.client_read = self._client_read
        self.notifications = Notifications(self.store, self.metrics, self._on_change,
                                           self._on_channel_renewed)
        self.scheduler: Scheduler | None = None     # background work, while serving
        self._users_seen: set[str] = set()

    # --- users and calendars ----------------------------------------------------------------

    def users(self) -> list[str]:
        """CalDAV users with at least one linked Google account."""
        return sorted({a.user for a in self.store.accounts()})

    def has_user(self, user: str) -> bool:
        # Radicale asks on every request; users are never deleted, so one yes is enough.
        if user in self._users_seen:
            return True
        if not request_reads.user_exists(self.store, user):
            return False
        if len(self._users_seen) >= 100_000:
            self._users_seen.clear()
        self._users_seen.add(user)
        return True

    def ensure_user(self, user: str) -> None:
        self.store.ensure_user(user)

    def calendars(self, user: str) -> list[Calendar]:
        """The calendars clients see (see bridge/accounts.py: each Google calendar once,
        hidden ones left out), each brought up to date if it is older than ``freshness``
        (unless its account needs a new sign-in: then from cache)."""
        broken = set()
        for account in self.store.accounts(user):
            if account.needs_sign_in:
                broken.add(account.id)
            else:
                self.engine.ensure_list_fresh(account.id)
        out = []
        for row in linked_accounts.served(self.store.calendars(user), broken):
            if row.account_id not in broken:
                self.engine.ensure_fresh(row.id)
            out.append(self.store.calendar(row.id))
        return out

    def calendar(self, user: str, slug: str, *, fresh: bool = True) -> Calendar | None:
        """One calendar clients see, by its URL segment (brought up to date unless ``fresh``
        is False, for cheap questions like access rights)."""
        found = linked_accounts.requested(self.store, user, slug)
        return None if found is None else self._brought_up_to_date(found, fresh)[0]

    def calendar_and_item(self, user: str, slug: str,
                          href: str) -> tuple[Calendar | None, Item | None]:
        """A calendar clients see and its live resource at ``href`` (None if there is none),
        the calendar brought up to date first: one query when it is fresh."""
        found = linked_accounts.requested(self.store, user, slug, href)
        if found is None:
            return None, None
        row, synced = self._brought_up_to_date(found, True)
        return row, (self.store.item(row.id, href) if synced else found.item)

    def _brought_up_to_date(self, found, fresh: bool) -> tuple[Calendar, bool]:
        """(the calendar as it is now, whether a sync ran first)."""
        row = found.calendar
        if not fresh or found.needs_sign_in or not self.engine.ensure_fresh(row.id, row):
            return row, False
        return self.store.calendar(row.id), True

    # --- reading resources --------------------------------------------------------------------

    def items(self, calendar_id: int, hrefs: Iterable[str]) -> list[Item]:
        return self.store.items(calendar_id, hrefs)

    def all_items(self, calendar_id: int) -> list[Item]:
        return self.store.all_items(calendar_id)

    def items_in_range(self, calendar_id: int, start: int,
                       end: int) -> Iterator[tuple[Item, bool]]:
        """Resources that may happen in [start, end), each with whether that is certain
        (False: the caller must check the resource's occurrences itself)."""
        for item in self.store.single_items_in_range(calendar_id, start, end):
            yield item, item.start < item.end
        recurring = self.store.recurring_in_range(calendar_id, start, end)
        for item in self.store.items(calendar_id, recurring):
            yield item, recurring[item.href]

    def has_uid(self, calendar_id: int, uid: str) -> bool:
        return self.store.has_uid(calendar_id, uid)

    @staticmethod
    def sync_token(calendar: Calendar) -> str:
        return f"{SYNC_PREFIX}{calendar.epoch}-{calendar.revision}"

    def changes_since(self, calendar: Calendar, token: str) -> Changes:
        """Hrefs changed or deleted since a client's sync token (all live ones for an empty
        token; listed lazily, as the token alone is often all that is wanted)."""
        if not token:
            return Changes(self.sync_token(calendar), self._live_hrefs(calendar.id))
        epoch, _, revision = token.removeprefix(SYNC_PREFIX).partition("-")
        if not token.startswith(SYNC_PREFIX) or epoch != calendar.epoch \
                or not revision.isdigit():
            raise errors.InvalidSyncToken("Unknown sync token")
        if not calendar.min_revision <= int(revision) <= calendar.revision:
            raise errors.InvalidSyncToken("The sync token is too old or from the future")
        return Changes(self.sync_token(calendar),
                       tuple(self.store.changed_since(calendar.id, int(revision))))

    def _live_hrefs(self, calendar_id: int) -> Iterator[str]:
        yield from self.store.live_hrefs(calendar_id)      # hrefs only, not the texts

    # --- writing resources ----------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, calendar_id: int) -> Iterator[None]:
        """Hold the calendar for a client's write request: no sync or other write interleaves,
        and it is first brought up to date, so the client's preconditions meet Google's
        state. Reentrant: put/delete inside take the same lease."""
        with self.engine.lease(calendar_id):
            self.writer.refresh_before_write(calendar_id)
            yield

    def put(self, calendar_id: int, href: str, text: str) -> Item:
        """Store a client's resource (raises a domain error); answers what is stored."""
        self._writer_for(calendar_id).put(calendar_id, href, text)
        return self.store.item(calendar_id, href)

    def delete(self, calendar_id: int, href: str) -> None:
        self._writer_for(calendar_id).delete(calendar_id, href)

    def _writer_for(self, calendar_id: int):
        return self.task_writer if self.engine.kind_of(calendar_id) is Kind.TASKS \
            else self.writer

    # --- limits a request body meets before anything parses it -------------------------------

    @staticmethod
    def check_body_limits(text: str) -> None:
        """Raise errors.Invalid when iCalendar text exceeds the recurrence limits (overrides,
        EXDATE/RDATE dates); one pass over its lines, no parsing."""
        write_limits.scan(text)

    # --- task lists: made and renamed by clients (MKCALENDAR VTODO, PROPPATCH displayname) ---

    def create_task_list(self, user: str, slug: str, title: str | None) -> Calendar:
        """A new Google task list at /user/slug/ (raises a domain error)."""
        return self.store.calendar(self.task_lists.create(user, slug, title))

    def rename_task_list(self, calendar_id: int, title: str) -> None:
        self.task_lists.rename(calendar_id, title)

    # --- calendars: properties, new calendars, deleting, moving events ----------------------
    # Properties are named ``GOOGLE_HELD`` ("name", "color", "description", "time_zone": the
    # calendar-timezone text) or are any other property tag, kept locally per collection.

    def kept_properties(self, calendar_id: int) -> dict:
        """Properties kept locally: ``description``/``time_zone`` where Google cannot hold
        them, ``other`` {property tag: text}."""
        return self.calendar_writer.kept(calendar_id)

    def set_properties(self, calendar_id: int, changes: dict[str, str | None]) -> None:
        """Change a collection's properties (value None: removed); raises a domain error."""
        if self.engine.kind_of(calendar_id) is Kind.TASKS:
            return self.task_lists.set_properties(calendar_id, changes)
        held = {k: v for k, v in changes.items() if k in GOOGLE_HELD}
        other = {k: v for k, v in changes.items() if k not in GOOGLE_HELD}
        self.calendar_writer.set_properties(calendar_id, held, other)

    def create_collection(self, user: str, slug: str, properties: dict[str, str | None], *,
                          component: str | None = None) -> Calendar:
        """A new collection at /user/slug/: a Google calendar for VEVENT (or unspecified),
        a Google task list for VTODO."""
        if component == "VTODO":
            return self.create_task_list(user, slug, properties.get("name"))
        if component not in (None, "VEVENT"):
            raise errors.Unsupported(f"Collections of {component} cannot be created here: "
                                     "Google holds events and tasks.", component=component)
        held = {k: v for k, v in properties.items() if k in GOOGLE_HELD}
        other = {k: v for k, v in properties.items() if k not in GOOGLE_HELD}
        return self.store.calendar(self.calendar_writer.create(user, slug, held, other))

    def delete_calendar(self, calendar_id: int) -> None:
        """Delete an owned secondary calendar or unsubscribe from a shared one (only with
        ``allow_calendar_delete``; never the primary)."""
        self._events_only("Task lists cannot be deleted here yet.", calendar_id)
        self.calendar_writer.delete(calendar_id)

    def move_event(self, calendar_id: int, href: str, to_calendar_id: int,
                   to_href: str) -> Item:
        """Move a resource to another calendar of the same Google account (events.move)."""
        self._events_only("Only events move between calendars.", calendar_id, to_calendar_id)
        return self.calendar_writer.move_event(calendar_id, href, to_calendar_id, to_href)

    def home_properties(self, user: str) -> dict[str, str]:
        """Properties clients set on the user's calendar home (kept locally)."""
        return self.calendar_writer.home_properties(user)

    def set_home_properties(self, user: str, properties: dict[str, str]) -> None:
        self.calendar_writer.set_home_properties(user, properties)

    def _events_only(self, message: str, *calendar_ids: int) -> None:
        # Task lists (Kind.TASKS) answer here once their writer offers these operations.
        if any(self.store.calendar(i).kind is not Kind.EVENTS for i in calendar_ids):
            raise errors.Unsupported(message)

    def addresses(self, user: str) -> list[str]:
        """The user's calendar addresses: each linked Google account and each calendar the
        user owns (events they organise carry one of these)."""
        out = [a.email for a in self.store.accounts(user)]
        out += [c.google_id for c in self.store.calendars(user) if c.kind is Kind.EVENTS
                and c.access_role == "owner" and c.google_id not in out]
        return out

    # --- accounts -------------------------------------------------------------------------------

    def client_for(self, account_id: int) -> GoogleClient:
        """The account's Google client, rebuilt whenever its stored credentials change (a
        new sign-in reaches a running server without a restart)."""
        version = self.credentials.version(account_id) or self._adopt_old_file(account_id)
        with self._clients_lock:
            cached = self._clients.get(account_id)
            if cached is not None and cached[0] == version:
                return cached[1]
            account = self.store.account(account_id)
            info = self.credentials.load(account_id)
            if account is None or info is None:
                raise GoogleError(f"account {account_id} has no stored credentials",
                                  status=401, reason="no_credentials")
            client = self._client(info, account.subject)
            client.throttle = self.budgets.for_account(account_id)
            self._clients[account_id] = (version, client)
            return client

    def _adopt_old_file(self, account_id: int) -> str | None:
        """Accounts linked before the credential store kept a file by path: move it in."""
        account = self.store.account(account_id)
        if account is None or not account.credentials_path:
            return None
        if linked_accounts.shares_old_file(self.store, account):
            self.sign_in.mark(account_id, needs_sign_in=True)
            return None
        try:
            self.credentials.save(account_id, credentials.read_info(account.credentials_path))
        except credentials.CredentialsError:
            return None
        return self.credentials.version(account_id)

    def _client(self, info: dict, subject: str | None) -> GoogleClient:
        creds = credentials.build(info, subject=subject, token_uri=self.settings.google_token_uri,
                                  scopes=google_tasks.scopes_for(info))
        client = GoogleClient(creds, api_endpoint=self.settings.google_api_endpoint,
                              timeout=self.settings.google_timeout,
                              sleep=lambda seconds: self.settings.sleep(seconds))
        client.observers.append(self.metrics.observe_call)
        return client

    def link(self, user: str, credentials_file: str, *, subject: str | None = None,
             progress: Callable[[str, int, int], None] | None = None) -> int:
        """Link a CalDAV user to Google credentials (a JSON file of any accepted shape) and
        run the first sync. ``progress(calendar_name, done, total)`` is called as calendars
        complete."""
        try:
            info = credentials.read_info(credentials_file)
        except credentials.CredentialsError as exc:
            raise errors.Invalid(str(exc)) from None
        return self.link_info(user, info, subject=subject, progress=progress)

    def link_info(self, user: str, info: dict, *, subject: str | None = None,
                  progress: Callable[[str, int, int], None] | None = None) -> int:
        """As ``link``, with credentials in hand (a sign-in flow's result)."""
        try:
            email = calendar_list.primary(self._client(info, subject))["id"].lower()
        except GoogleError as exc:
            raise from_google(exc) from None
        with self.store.write() as tx:
            account_id = tx.add_account(user, email, info["type"], "", subject)
        self.credentials.save(account_id, info)
        self.sign_in.mark(account_id, needs_sign_in=False)
        calendar_ids = self.engine.sync_calendar_list(account_id)
        for done, calendar_id in enumerate(calendar_ids, 1):
            self.engine.sync_calendar(calendar_id)
            if progress:
                progress(self.store.calendar(calendar_id).name, done, len(calendar_ids))
        return account_id

    # --- accounts: several per user, their sign-in state, calendars shown or hidden --------------

    def accounts(self, user: str | None = None) -> list[linked_accounts.LinkedAccount]:
        """Linked Google accounts (of one user, or all) with state and calendars."""
        users = [user] if user is not None else self.users()
        return [entry for name in users for entry in linked_accounts.linked(self.store, name)]

    def unlink(self, user: str, email: str) -> int:
        """Remove one of the user's Google accounts: its push channels are stopped, its
        credentials and cached data deleted, its calendars vanish for clients. Answers how
        many calendars went."""
        account = next((a for a in self.store.accounts(user)
                        if a.email == email.strip().lower()), None)
        if account is None:
            raise errors.NotFound(f"{user} has no linked Google account {email}.")
        # Under the account's list lease: a list sync already reading Google finishes first
        # (afterwards it would store calendars of an account that no longer exists).
        with self.store.leases.exclusive(Kind.CALENDAR_LIST, account.id):
            linked_accounts.stop_channels(self.store, lambda: self.client_for(account.id),
                                          account.id)
            calendar_ids = linked_accounts.remove(self.store, self.credentials, account)
        with self._clients_lock:
            self._clients.pop(account.id, None)
        return len(calendar_ids)

    def set_hidden(self, user: str, calendar: str, hidden: bool | None) -> list[Calendar]:
        """Hide a calendar from clients (True), show it (False) or follow the user's choice in
        Google again (None). ``calendar``: its URL segment, Google id or name. Answers the
        calendars changed (a calendar two accounts list is changed in both)."""
        found = linked_accounts.find_calendar(self.store, user, calendar)
        if not found:
            raise errors.NotFound(f"{user} has no calendar {calendar!r}; "
                                  "`gcaldav calendars USER` lists them.")
        with self.store.write() as tx:
            for row in found:
                tx.set_calendar(row.id, hidden=hidden)
        return [self.store.calendar(row.id) for row in found]

    # --- web sign-in and pages (gcaldav/web) -----------------------------------------------------

    def sign_in_scopes(self) -> list[str]:
        """The OAuth scopes a sign-in with Google asks for."""
        return list(credentials.SCOPES)

    def link_signed_in(self, user: str, info: dict, *,
                       progress: Callable[[str, int, int], None] | None = None) -> int:
        """As ``link_info``, but a Google account another CalDAV user has linked is refused:
        one person's Google data must never become another's calendars by a wrong click."""
        try:
            email = calendar_list.primary(self._client(info, None))["id"].lower()
        except GoogleError as exc:
            raise from_google(exc) from None
        if any(a.email == email and a.user != user for a in self.store.accounts()):
            raise errors.Conflict(f"{email} is already linked to another user of this server: "
                                  "sign in with another Google account, or ask the "
                                  "administrator.")
        return self.link_info(user, info, progress=progress)

    def event_counts(self, user: str) -> dict[int, int]:
        """Live resources per calendar id of the user (hidden calendars too)."""
        return {c.id: len(self.store.live_hrefs(c.id)) for c in self.store.calendars(user)}

    # --- database (gcaldav migrate) --------------------------------------------------------------

    def schema_revision(self) -> str:
        """The database's Alembic revision (opening the store brought it up to date)."""
        return migrate.current(self.store.engine)

    # --- operations -----------------------------------------------------------------------------

    def status(self) -> status.Report:
        return status.report(self.store, self.settings.clock())

    def health(self) -> tuple[bool, dict]:
        """Whether the bridge works (the store answers, background work runs if started),
        with counts and the ids of accounts needing a new sign-in (no names) for /healthz.
        An account needing sign-in does not make the bridge unhealthy: it still serves."""
        try:
            accounts = self.store.accounts()
            calendars = sum(len(self.store.calendars_of_account(a.id)) for a in accounts)
        except Exception as exc:
            return False, {"status": "error", "store": type(exc).__name__}
        scheduler = self.scheduler
        background = "off" if scheduler is None else "running" if scheduler.running \
            else "stopped"
        return background != "stopped", {
            "status": "error" if background == "stopped" else "ok", "store": "ok",
            "background": background,
            "push": "on" if scheduler and scheduler.channels.address else "off",
            "accounts": len(accounts), "calendars": calendars,
            # ids only (no names here); `gcaldav status` says whose and how to fix it
            "accounts_needing_sign_in": [a.id for a in accounts if a.needs_sign_in]}

    def handle_push(self, headers: dict[str, str], remote: str) -> int:
        """A Google push notification; answers the HTTP status for Google."""
        return self.notifications.handle(headers, remote)

    def metrics_page(self) -> tuple[bytes, str]:
        return self.metrics.render()

    def count_request(self, method: str, status_code: int) -> None:
        self.metrics.caldav_request(method, status_code)

    # --- background work: polling, push channels, pruning (while serving) -------------------

    def start_background(self, intervals: Intervals, *, push_address: str | None = None,
                         channel_ttl: float = 604800.0, workers: int = 4,
                         per_account: int = 2) -> None:
        """Start the scheduler; with ``push_address`` (the webhook's public URL) every
        calendar and calendar list is watched by a push channel. ``workers`` syncs run at
        once, at most ``per_account`` of them for one account."""
        if self.scheduler is not None:
            return
        channels = ChannelManager(self.store, self.client_for, push_address, ttl=channel_ttl)
        self.scheduler = Scheduler(self.store, self.engine, channels, intervals,
                                   channel_ttl=channel_ttl, workers=workers,
                                   per_account=per_account)
        self.scheduler.start()

    def stop_background(self) -> None:
        scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.stop()

    def _push_healthy(self, kind: Kind, key: int) -> bool:
        # Asked when a client's read finds the data older than the freshness window: skip
        # Google while a live channel watches it.
        scheduler = self.scheduler
        return scheduler is not None and scheduler.channels.healthy(kind, key)

    def _client_read(self, kind: Kind, key: int) -> None:
        # Every client read: polled calendars that clients read are synced more often.
        scheduler = self.scheduler
        if scheduler is not None and kind is not Kind.CALENDAR_LIST:
            scheduler.client_read(key)

    def _on_change(self, kind: Kind, key: int) -> None:
        scheduler = self.scheduler
        if scheduler is not None:       # without it, polling picks the change up
            scheduler.notify(kind, key)

    def _on_channel_renewed(self, account_id: int) -> None:
        scheduler = self.scheduler
        if scheduler is not None:       # without it, nothing watches or stops channels
            scheduler.channel_renewed(account_id)

    def _remember_error(self, kind: Kind, key: int, seconds: float,
                        error: Exception | None) -> None:
        # For the status report; a successful sync clears it again.
        if error is None:
            return
        message = f"{type(error).__name__}: {error}"[:500]
        try:
            with self.store.write() as tx:
                if kind.per_account:
                    tx.set_account(key, last_error=message)
                else:
                    tx.set_calendar(key, last_error=message)
        except Exception:       # never mask the sync's own error
            log.exception("recording the last error of %s %s failed", kind, key)
