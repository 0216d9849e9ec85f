"""The router in front of Radicale: our paths go to their endpoint, everything else to
CalDAV (counted for /metrics). Users named ``metrics`` or ``healthz`` would be shadowed; the
webhook path starts with a dot, which no user name does."""

from __future__ import annotations

from typing import Callable

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from bridge.service import Bridge

from ..wsgi_path import for_werkzeug
from . import operations, push, site

WEBHOOK_PATH = "/.gcaldav/push"
Login = Callable[[str, str], bool]

ROUTES = Map([
    Rule(WEBHOOK_PATH, endpoint=push.notification, methods=["POST"]),
    Rule("/metrics", endpoint=operations.metrics, methods=["GET", "HEAD"]),
    Rule("/healthz", endpoint=operations.health, methods=["GET", "HEAD"]),
    *site.RULES,
], strict_slashes=False)
# Every route's first path segment is literal: a request starting otherwise is CalDAV's,
# without the router's work (most of a small GET's time outside Radicale).
FIRST_SEGMENTS = frozenset(rule.rule.lstrip("/").split("/", 1)[0]
                           for rule in ROUTES.iter_rules())
assert not any("<" in segment for segment in FIRST_SEGMENTS)


def maybe_ours(environ) -> bool:
    """Whether the request may be for one of the routes (False: it is CalDAV's)."""
    return environ.get("PATH_INFO", "").lstrip("/").split("/", 1)[0] in FIRST_SEGMENTS


class WebApp:
    def __init__(self, caldav, bridge: Bridge, *, login: Login | None = None,
                 pages: site.Pages | None = None):
        self.caldav, self.bridge, self.login, self.pages = caldav, bridge, login, pages

    def __call__(self, environ, start_response):
        if not maybe_ours(environ):
            return self._caldav(environ, start_response)
        try:
            endpoint, values = ROUTES.bind_to_environ(for_werkzeug(environ)).match()
        except NotFound:
            return self._caldav(environ, start_response)
        except MethodNotAllowed as exc:
            return exc(environ, start_response)
        request = Request(environ)
        try:
            response = endpoint(request, self, **values)
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)

    def _caldav(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "")

        def counting(status, headers, exc_info=None):
            self.bridge.count_request(method, int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)
        return self.caldav(environ, counting)
