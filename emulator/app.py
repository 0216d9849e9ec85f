"""The emulator's WSGI application: routing, auth, faults, stats and Google's wire format.

Paths: ``/calendar/v3/...`` and ``/tasks/v1/...`` (the APIs), ``/token``, ``/o/oauth2/auth``
and ``/revoke`` (OAuth), ``/_emulator/...`` (control API for tests and the demo, see README.md
beside this file).
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import parse_qs

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import calendar_writes, calendars, control, errors, event_move, events, listing
from .auth import OAuth
from .call import Call, Reply
from .faults import Faults, drop_connection, truncated
from .oauth_http import OAuthEndpoints
from .push import Push
from .state import World
from .stats import Stats
from .tasks import api as tasks_api

log = logging.getLogger(__name__)
API = "/calendar/v3"


def _api_rules(push: Push) -> list[tuple[str, str, str, object]]:
    """(path, HTTP method, API method name, handler)."""
    cal = API + "/calendars/<calendarId>"
    return [
        (API + "/users/me/calendarList", "GET", "calendarList.list", calendars.list_entries),
        (API + "/users/me/calendarList/watch", "POST", "calendarList.watch",
         push.watch_calendar_list),
        (API + "/users/me/calendarList/<calendarId>", "GET", "calendarList.get",
         calendars.get_entry),
        (API + "/users/me/calendarList", "POST", "calendarList.insert",
         calendar_writes.insert_entry),
        (API + "/users/me/calendarList/<calendarId>", "PATCH", "calendarList.patch",
         calendar_writes.patch_entry),
        (API + "/users/me/calendarList/<calendarId>", "PUT", "calendarList.update",
         calendar_writes.update_entry),
        (API + "/users/me/calendarList/<calendarId>", "DELETE", "calendarList.delete",
         calendar_writes.delete_entry),
        (API + "/calendars", "POST", "calendars.insert", calendar_writes.insert_calendar),
        (cal, "GET", "calendars.get", calendars.get_calendar),
        (cal, "PUT", "calendars.update", calendar_writes.update_calendar),
        (cal, "PATCH", "calendars.patch", calendar_writes.patch_calendar),
        (cal, "DELETE", "calendars.delete", calendar_writes.delete_calendar),
        (cal + "/events/<eventId>/move", "POST", "events.move", event_move.move),
        (cal + "/events", "GET", "events.list", listing.list_events),
        (cal + "/events", "POST", "events.insert", events.insert),
        (cal + "/events/import", "POST", "events.import", events.import_),
        (cal + "/events/watch", "POST", "events.watch", push.watch_events),
        (cal + "/events/<eventId>", "GET", "events.get", events.get),
        (cal + "/events/<eventId>", "PUT", "events.update", events.update),
        (cal + "/events/<eventId>", "PATCH", "events.patch", events.patch),
        (cal + "/events/<eventId>", "DELETE", "events.delete", events.delete),
        (cal + "/events/<eventId>/instances", "GET", "events.instances", listing.instances),
        (API + "/colors", "GET", "colors.get", calendars.colors),
        (API + "/channels/stop", "POST", "channels.stop", push.stop),
    ]


class Emulator:
    """One emulator instance: its world plus the WSGI callable serving it."""

    def __init__(self, base_url: str = "http://127.0.0.1:8080"):
        self.base_url = base_url.rstrip("/")
        self.world = World()
        self.oauth = OAuth(self.world)
        self.push = Push(self.world, self.base_url + API)
        self.faults = Faults()
        self.stats = Stats()
        self.oauth_endpoints = OAuthEndpoints(self)
        self.control = control.Control(self)
        self._handlers = {}
        rules = []
        for path, http_method, name, handler in _api_rules(self.push) + tasks_api.rules():
            endpoint = f"{name}"
            self._handlers[endpoint] = (name, handler)
            rules.append(Rule(path, methods=[http_method], endpoint=endpoint))
        self._routes = Map(rules, strict_slashes=False, merge_slashes=False)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{API}/"

    @property
    def tasks_api_url(self) -> str:
        """The ``api_endpoint`` for ``build("tasks", "v1")``: its paths start at the root."""
        return f"{self.base_url}/"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/token"

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if path.startswith("/_emulator/"):
            response = self.control.handle(request)
        elif self.oauth_endpoints.serves(path):
            response = self.oauth_endpoints.handle(request, environ)
        elif path.startswith((API + "/", tasks_api.PREFIX + "/")):
            response = self._api(request, environ)
        else:
            response = _error_response(errors.not_found(), pretty=True)
        return response(environ, start_response)

    def _api(self, request: Request, environ) -> Response:
        http_method, params = request.method, _params(request)
        if http_method == "POST" and request.headers.get("X-HTTP-Method-Override"):
            http_method = request.headers["X-HTTP-Method-Override"].upper()
            params.update(parse_qs(request.get_data(as_text=True), keep_blank_values=True))
        pretty = (params.get("prettyPrint") or ["true"])[-1].lower() != "false"
        try:
            endpoint, args = self._routes.bind("").match(request.path, method=http_method)
        except MethodNotAllowed:
            return _error_response(errors.method_not_allowed(), pretty)
        except NotFound:
            return _error_response(errors.not_found(), pretty)
        name, handler = self._handlers[endpoint]
        self.stats.count(name)
        fault = self.faults.take(name, calendar=args.get("calendarId"))
        if fault and fault.kind == "delay":
            time.sleep(fault.seconds)
        elif fault and fault.kind == "disconnect":
            drop_connection(environ)
        elif fault and fault.kind == "error":
            return _error_response(fault.error(), pretty)
        try:
            account = self.oauth.authenticate(request.headers.get("Authorization"),
                                              (params.get("oauth_token") or [None])[-1], name)
            body = None
            if http_method in ("POST", "PUT", "PATCH") and request.get_data():
                try:
                    body = json.loads(request.get_data(as_text=True))
                except ValueError:
                    raise errors.parse_error() from None
            headers = {k.lower(): v for k, v in request.headers.items()}
            call = Call(self.world, account, params, body, headers)
            result = handler(call, **args)
        except errors.ApiError as exc:
            result = exc
        if fault and fault.kind == "slow_reply":
            time.sleep(fault.seconds)   # the answer was read before; the world moves on
        if fault and fault.kind == "lose_reply":
            drop_connection(environ)    # whatever happened is done; the client never hears
        response = _reply(result, pretty)
        if fault and fault.kind == "truncate":
            return truncated(response, environ, fault.cut)
        return response


def _reply(result, pretty: bool) -> Response:
    if isinstance(result, errors.ApiError):
        return _error_response(result, pretty)
    if isinstance(result, Reply):
        if result.body is None:
            return Response(b"", status=result.status, headers=result.headers)
        return _json(result.status, result.body, pretty, result.headers)
    if result is None:
        return Response(b"", status=204)
    return _json(200, result, pretty)


def _params(request: Request) -> dict[str, list[str]]:
    return {key: request.args.getlist(key) for key in request.args.keys()}


def _json(status: int, body: object, pretty: bool = True,
          headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(body, indent=1 if pretty else None, ensure_ascii=False)
    response = Response(text, status=status, content_type="application/json; charset=UTF-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    response.headers["Vary"] = "Origin, X-Origin, Referer"
    return response


def _error_response(exc: errors.ApiError, pretty: bool = True) -> Response:
    return _json(exc.code, exc.body(), pretty, exc.headers)
