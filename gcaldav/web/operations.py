"""WSGI middleware around Radicale's application: the Google push webhook, ``/metrics`` and
``/healthz``, and the count of CalDAV requests (shared/reference radicale-plugin-api.md §6,
approach A). These paths never reach Radicale, so they need no Radicale login; ``/metrics``
and ``/healthz`` can require one (``metrics_auth``). Users named ``metrics`` or ``healthz``
would be shadowed; the webhook path starts with a dot, which no user name does.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Callable

from radicale import auth
from radicale.auth import AuthContext

from bridge.core import Bridge

WEBHOOK_PATH = "/.gcaldav/push"
METRICS_PATH, HEALTH_PATH = "/metrics", "/healthz"
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           405: "Method Not Allowed", 503: "Service Unavailable"}

Login = Callable[[str, str], bool]


class Middleware:
    def __init__(self, app, bridge: Bridge, *, login: Login | None = None):
        self.app, self.bridge, self.login = app, bridge, login

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == WEBHOOK_PATH:
            return self._push(environ, start_response)
        if path in (METRICS_PATH, HEALTH_PATH):
            return self._operations(path, environ, start_response)
        return self._caldav(environ, start_response)

    def _push(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return _reply(start_response, 405, headers=[("Allow", "POST")])
        # Answer at once; the sync it asks for runs on the scheduler's threads.
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_X_GOOG_")}
        status = self.bridge.notifications.handle(headers, environ.get("REMOTE_ADDR", ""))
        return _reply(start_response, status)

    def _operations(self, path: str, environ, start_response):
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _reply(start_response, 405, headers=[("Allow", "GET, HEAD")])
        if self.login is not None and not self._logged_in(environ):
            return _reply(start_response, 401,
                          headers=[("WWW-Authenticate", 'Basic realm="gcaldav"')])
        if path == METRICS_PATH:
            status, (body, content_type) = 200, self.bridge.metrics.render()
        else:
            status, report = health(self.bridge)
            body, content_type = json.dumps(report).encode(), "application/json"
        reply = _reply(start_response, status, body, content_type)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else reply

    def _logged_in(self, environ) -> bool:
        scheme, _, encoded = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return bool(user) and self.login(user, password)

    def _caldav(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "")

        def counting(status, headers, exc_info=None):
            self.bridge.metrics.caldav_request(method, int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)
        return self.app(environ, counting)


def health(bridge: Bridge) -> tuple[int, dict]:
    """200 with counts (no names) if the store answers and the background work (if started)
    runs, else 503."""
    try:
        accounts = bridge.store.accounts()
        calendars = sum(len(bridge.store.calendars_of_account(a.id)) for a in accounts)
    except Exception as exc:
        return 503, {"status": "error", "store": type(exc).__name__}
    scheduler = bridge.scheduler
    background = "off" if scheduler is None else "running" if scheduler.running else "stopped"
    return 503 if background == "stopped" else 200, {
        "status": "error" if background == "stopped" else "ok", "store": "ok",
        "background": background, "push": "on" if scheduler and scheduler.channels.address
        else "off", "accounts": len(accounts), "calendars": calendars}


def radicale_login(configuration) -> Login:
    """Check a user name and password with Radicale's own [auth] backend."""
    backend = auth.load(configuration)

    def login(user: str, password: str) -> bool:
        return bool(backend.login(user, password, AuthContext())[0])
    return login


def _reply(start_response, status: int, body: bytes = b"",
           content_type: str = "text/plain; charset=utf-8", headers=()):
    start_response(f"{status} {REASONS.get(status, '')}".strip(),
                   [("Content-Type", content_type), ("Content-Length", str(len(body))),
                    *headers])
    return [body]
