"""The Google Calendar service: the real client, static discovery, our retry policy.

Tokens are ours to manage: requests go out on a plain httplib2 connection with the access
token applied by hand, so every refresh (before a request, or after Google answered 401)
goes through ``token_refresh`` and every wait through ``sleep``. httplib2 objects are not
thread-safe, so each thread gets its own connection and service object, sharing one
credentials object whose refresh is serialised here.

httplib2 itself sends a request a second time, whatever its method, when the connection
closes without an answer. Reads may go out that way; an event write goes out once per
attempt (``single_shot``), so that this loop knows an attempt went unanswered: whatever a later
attempt answers (409 duplicate for an insert with our id, 412 for a patch with If-Match, 410
for a delete, but also a 429 or 403), the error says Google may hold the change
(``maybe_applied``) and the write path looks before answering. Calls made with
``retry_connection_errors=False`` are not repeated at all.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Callable

import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from . import errors, token_refresh
from .single_shot import SingleShotHttp

log = logging.getLogger(__name__)

GOOGLE_API_ENDPOINT = "https://www.googleapis.com/calendar/v3/"
GOOGLE_TASKS_ENDPOINT = "https://tasks.googleapis.com/"
CONNECTION_ERRORS = token_refresh.CONNECTION_ERRORS
# Client writes, resolved by the write path when an attempt goes unanswered: once per attempt.
EVENT_WRITES = frozenset({"events.insert", "events.patch", "events.update", "events.delete",
                          "events.import", "events.move"})


class _Failed(Exception):
    """One attempt failed with ``error``; ``retryable``: another attempt may succeed;
    ``sent``: the request went out (not so when no access token could be had)."""

    def __init__(self, error: errors.GoogleError, retryable: bool, sent: bool = True):
        super().__init__(str(error))
        self.error, self.retryable, self.sent = error, retryable, sent


class _StaleToken(Exception):
    """Google answered 401 to a request made with ``token``."""

    def __init__(self, token: str | None):
        super().__init__("access token refused")
        self.token = token


class GoogleClient:
    """Calls for one linked Google account.

    Seams: ``sleep(seconds)`` for every wait between attempts, ``clock()`` (monotonic
    seconds) for the observers' timings, ``jitter()`` a number in [0, 1) per backoff."""

    def __init__(self, credentials, *, api_endpoint: str | None = None,
                 tasks_endpoint: str | None = None, timeout: float = 30.0,
                 max_attempts: int = 5, backoff_base: float = 0.5, backoff_cap: float = 32.0,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 jitter: Callable[[], float] = random.random):
        self.credentials = credentials
        self.api_endpoint = api_endpoint or GOOGLE_API_ENDPOINT
        self.tasks_endpoint = tasks_endpoint or tasks_endpoint_for(self.api_endpoint)
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self._sleep, self._clock, self._jitter = sleep, clock, jitter
        self._local = threading.local()
        self._refresh_lock = threading.Lock()
        # Called as observer(method, outcome, seconds) after every HTTP attempt: method like
        # "events.list" (or "oauth.token"), outcome "ok", the HTTP status, or "no_answer".
        self.observers: list[Callable[[str, str, float], None]] = []
        # Called as throttle(method) before every API request: may wait, or raise
        # RateLimited without sending (the account's call budget, see budget.py).
        self.throttle: Callable[[str], None] | None = None

    def service(self, api: str = "calendar"):
        """This thread's service object for ``api``: "calendar" (v3) or "tasks" (v1)."""
        services = getattr(self._local, "services", None)
        if services is None:
            services = self._local.services = {}
        if api not in services:
            version, endpoint = ("v1", self.tasks_endpoint) if api == "tasks" \
                else ("v3", self.api_endpoint)
            services[api] = _Collections(build(
                api, version, http=httplib2.Http(timeout=self.timeout), static_discovery=True,
                cache_discovery=False, client_options={"api_endpoint": endpoint}))
        return services[api]

    def call(self, make_request: Callable, *, headers: dict[str, str] | None = None,
             retry_connection_errors: bool = True, api: str = "calendar") -> dict:
        """Build a request with ``make_request(service)`` and execute it, retrying rate limits,
        5xx, token-endpoint trouble and (if allowed) lost connections with exponential backoff
        and jitter; honours Retry-After. Raises a classified ``errors.GoogleError``.
        ``api`` names the service ``make_request`` gets (see ``service``)."""
        attempt, refused, unheard = 1, None, False
        while True:
            try:
                return self._attempt(make_request, headers, retry_connection_errors, refused,
                                     api)
            except _StaleToken as stale:
                if refused is not None:     # a fresh token refused too: nothing more to try
                    raise errors.GoogleError("Google refused a freshly issued access token",
                                             status=401, reason="authError") from None
                refused = stale.token or ""
                continue
            except _Failed as failed:
                # Once an attempt went out unanswered, Google may hold the change whatever a
                # later attempt says (a 429, a 403): the caller must look before answering.
                unheard = unheard or (failed.sent and isinstance(failed.error,
                                                                 errors.Unavailable))
                failed.error.maybe_applied = unheard
                if not failed.retryable or attempt == self.max_attempts:
                    raise failed.error from None
                delay = self._backoff(attempt, failed.error.retry_after)
                if delay is None:
                    raise failed.error from None
                log.info("Google: %s (attempt %d/%d); retrying in %.1fs", failed.error, attempt,
                         self.max_attempts, delay)
            self._sleep(delay)
            attempt += 1

    def _attempt(self, make_request: Callable, headers: dict[str, str] | None,
                 retry_connection_errors: bool, refused: str | None, api: str) -> dict:
        try:
            self._ensure_token(refused)
        except errors.Unavailable as exc:
            raise _Failed(exc, retryable=True, sent=False) from None
        except errors.GoogleError as exc:
            raise _Failed(exc, retryable=False, sent=False) from None
        request = make_request(self.service(api))
        for key, value in (headers or {}).items():
            request.headers[key] = value
        token = self.credentials.token
        self.credentials.apply(request.headers)
        method = getattr(request, "methodId", "").removeprefix(api + ".")
        if self.throttle is not None:
            self.throttle(method)
        started, outcome = self._clock(), "no_answer"
        try:
            # An event write, or a call not to be retried: not by httplib2 either, which
            # resends on a lost answer without telling.
            once = {} if retry_connection_errors and method not in EVENT_WRITES \
                else {"http": SingleShotHttp(timeout=self.timeout)}
            result = request.execute(num_retries=0, **once)
            if isinstance(result, str) and result:
                # googleapiclient hands back a body that is not JSON as text: an answer cut
                # short on the way (these APIs answer an object, or nothing at all).
                raise _Failed(errors.Unavailable("Google's answer was cut short"),
                              retry_connection_errors)
            outcome = "ok"
            return result
        except HttpError as exc:
            outcome = str(exc.resp.status)
            if exc.resp.status == 401:
                raise _StaleToken(token) from None
            raise _Failed(errors.classify(exc), errors.is_retryable(exc)) from None
        except CONNECTION_ERRORS as exc:
            self._local.services = None     # the connection may be half-dead
            raise _Failed(errors.Unavailable(f"No answer from Google: {exc!r}"),
                          retry_connection_errors) from None
        finally:
            self._observe(method, outcome, self._clock() - started)

    def _ensure_token(self, refused: str | None) -> None:
        """Refresh when the token expired or Google answered 401 to it (``refused``); one
        refresh for all threads instead of a stampede, none if another thread already
        replaced the refused token."""
        def stale() -> bool:
            return not self.credentials.valid or self.credentials.token == refused
        if stale():
            with self._refresh_lock:
                if stale():
                    self._refresh()

    def _refresh(self) -> None:
        transport = token_refresh.TokenTransport(self.timeout)
        started, outcome = self._clock(), "ok"
        try:
            token_refresh.refresh(self.credentials, transport)
        except errors.GoogleError:
            outcome = str(transport.status) if transport.status else "no_answer"
            raise
        finally:
            self._observe("oauth.token", outcome, self._clock() - started)

    def _observe(self, method: str, outcome: str, seconds: float) -> None:
        for observer in self.observers:
            try:
                observer(method, outcome, seconds)
            except Exception:       # metrics must never break a Google call
                log.exception("Google call observer failed")

    def _backoff(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt; None when Google asks for a pause longer
        than we wait inside one call (the caller should pause the account instead)."""
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = delay / 2 + self._jitter() * delay / 2
        if retry_after is not None:
            if retry_after > self.backoff_cap:
                return None
            delay = max(delay, retry_after)
        return delay

    # --- paged lists --------------------------------------------------------------------------

    def list_pages(self, make_request: Callable,
                   api: str = "calendar") -> tuple[list[dict], str | None]:
        """All pages of a list call built by ``make_request(service, page_token)``:
        (items, nextSyncToken of the last page)."""
        items, page_token = [], None
        while True:
            page = self.call(lambda service, token=page_token: make_request(service, token),
                             api=api)
            items.extend(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                return items, page.get("nextSyncToken")


class _Collections:
    """A service whose collections (``events()``, ``tasks()`` ...) are built once: building
    one renders every method's documentation, which was half the CPU of a sync that found no
    change. Each thread has its own service, so no lock is needed."""

    def __init__(self, service):
        self._service, self._built = service, {}

    def __getattr__(self, name: str):
        found = getattr(self._service, name)
        if name.startswith("_") or not callable(found):
            return found

        def collection(*args, **kwargs):
            if args or kwargs:
                return found(*args, **kwargs)
            if name not in self._built:
                self._built[name] = found()
            return self._built[name]
        return collection


def tasks_endpoint_for(api_endpoint: str) -> str:
    """The Tasks API's base for a Calendar API base: Google's own for Google's, else the
    same server's root (an emulator or proxy serving both, as /calendar/v3/ and /tasks/v1/)."""
    if api_endpoint.rstrip("/") == GOOGLE_API_ENDPOINT.rstrip("/"):
        return GOOGLE_TASKS_ENDPOINT
    return api_endpoint.rstrip("/").removesuffix("/calendar/v3") + "/"
