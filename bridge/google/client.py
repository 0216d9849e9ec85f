"""The Google Calendar service: the real client, static discovery, our retry policy.

httplib2 objects are not thread-safe, so each thread gets its own AuthorizedHttp and service
object (sharing one credentials object, whose refresh is serialised here).
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from typing import Callable

import google_auth_httplib2
import httplib2
from google.auth import exceptions as auth_exceptions
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from . import errors

log = logging.getLogger(__name__)

GOOGLE_API_ENDPOINT = "https://www.googleapis.com/calendar/v3/"
CONNECTION_ERRORS = (OSError, socket.timeout, httplib2.HttpLib2Error, ConnectionError)


class GoogleClient:
    """Calls for one linked Google account."""

    def __init__(self, credentials, *, api_endpoint: str | None = None, timeout: float = 30.0,
                 max_attempts: int = 5, backoff_base: float = 0.5, backoff_cap: float = 32.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.credentials = credentials
        self.api_endpoint = api_endpoint or GOOGLE_API_ENDPOINT
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self._sleep = sleep
        self._local = threading.local()
        self._refresh_lock = threading.Lock()
        # Called as observer(method, outcome, seconds) after every HTTP attempt: method like
        # "events.list" (or "oauth.token"), outcome "ok", the HTTP status, or "no_answer".
        self.observers: list[Callable[[str, str, float], None]] = []

    def service(self):
        service = getattr(self._local, "service", None)
        if service is None:
            http = google_auth_httplib2.AuthorizedHttp(
                self.credentials, http=httplib2.Http(timeout=self.timeout))
            service = build("calendar", "v3", http=http, static_discovery=True,
                            cache_discovery=False,
                            client_options={"api_endpoint": self.api_endpoint})
            self._local.service = service
        return service

    def call(self, make_request: Callable, *, headers: dict[str, str] | None = None,
             retry_connection_errors: bool = True) -> dict:
        """Build a request with ``make_request(service)`` and execute it, retrying rate limits,
        5xx and (if allowed) lost connections with exponential backoff and jitter; honours
        Retry-After. Raises a classified ``errors.GoogleError``."""
        for attempt in range(1, self.max_attempts + 1):
            request = make_request(self.service())
            for key, value in (headers or {}).items():
                request.headers[key] = value
            method = getattr(request, "methodId", "").removeprefix("calendar.")
            started, outcome = None, "no_answer"
            try:
                self._ensure_token()
                started = time.monotonic()
                result = request.execute(num_retries=0)
                outcome = "ok"
                return result
            except HttpError as exc:
                outcome = str(exc.resp.status)
                failure = errors.classify(exc)
                if not errors.is_retryable(exc) or attempt == self.max_attempts:
                    raise failure from None
                delay = self._backoff(attempt, failure.retry_after)
                log.info("Google %s (attempt %d/%d); retrying in %.1fs", failure, attempt,
                         self.max_attempts, delay)
            except auth_exceptions.RefreshError as exc:
                outcome = "401"
                raise errors.GoogleError(f"Google refused the credentials: {exc}",
                                         status=401, reason="invalid_grant") from None
            except CONNECTION_ERRORS as exc:
                self._local.service = None      # the connection may be half-dead
                if not retry_connection_errors or attempt == self.max_attempts:
                    raise errors.Unavailable(f"No answer from Google: {exc!r}") from None
                delay = self._backoff(attempt, None)
                log.info("No answer from Google (%r); retrying in %.1fs", exc, delay)
            finally:
                if started is not None:     # None: no API request went out
                    self._observe(method, outcome, time.monotonic() - started)
            self._sleep(delay)
        raise AssertionError("unreachable")

    def _ensure_token(self) -> None:
        # One refresh for all threads instead of a stampede when the token expires.
        if not self.credentials.valid:
            with self._refresh_lock:
                if not self.credentials.valid:
                    started, outcome = time.monotonic(), "error"
                    try:
                        self.credentials.refresh(google_auth_httplib2.Request(
                            httplib2.Http(timeout=self.timeout)))
                        outcome = "ok"
                    finally:
                        self._observe("oauth.token", outcome, time.monotonic() - started)

    def _observe(self, method: str, outcome: str, seconds: float) -> None:
        for observer in self.observers:
            try:
                observer(method, outcome, seconds)
            except Exception:       # metrics must never break a Google call
                log.exception("Google call observer failed")

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay = delay / 2 + random.uniform(0, delay / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_cap * 4))
        return delay

    # --- the calls the sync engine makes --------------------------------------------------------

    def list_all(self, make_request: Callable) -> tuple[list[dict], str | None, dict]:
        """All pages of a list call: (items, nextSyncToken, first page's envelope)."""
        items, page_token, envelope = [], None, None
        while True:
            def request(service, token=page_token):
                return make_request(service, token)
            page = self.call(request)
            envelope = envelope or page
            items.extend(page.get("items", []))
            page_token = page.get("nextPageToken")
            if not page_token:
                return items, page.get("nextSyncToken"), envelope
