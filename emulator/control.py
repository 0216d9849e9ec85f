"""The control API under ``/_emulator/``: set up accounts and calendars, change data "as
Google" (as another device would), inject faults, read call counts. Documented in README.md.

It needs no authentication: the emulator is a test fixture bound to loopback.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import errors, events, faults, seed, times
from .call import Call
from .oauth_control import OAuthControl
from .state import ROLES, new_etag
from .tasks.control import TasksControl

if TYPE_CHECKING:
    from .app import Emulator

C = "/_emulator"
CAL = C + "/calendars/<calendarId>"


class Control:
    def __init__(self, emulator: "Emulator"):
        self.emu = emulator
        self.world = emulator.world
        routes = [
            ("GET", C + "/health", self.health),
            ("POST", C + "/accounts", self.create_account),
            ("POST", C + "/accounts/<email>/invalidate-sync-tokens", self.invalidate_list),
            ("POST", C + "/service-accounts", self.create_service_account),
            ("POST", C + "/calendars", self.create_calendar),
            ("PATCH", CAL, self.change_calendar),
            ("DELETE", CAL, self.delete_calendar),
            ("POST", CAL + "/acl", self.share),
            ("POST", CAL + "/events", self.insert_event),
            ("POST", CAL + "/events:bulk", self.bulk_insert),
            ("PUT", CAL + "/events/<eventId>", self.update_event),
            ("PATCH", CAL + "/events/<eventId>", self.patch_event),
            ("DELETE", CAL + "/events/<eventId>", self.delete_event),
            ("POST", CAL + "/invalidate-sync-tokens", self.invalidate_events),
            ("GET", C + "/faults", self.list_faults),
            ("POST", C + "/faults", self.add_fault),
            ("DELETE", C + "/faults", self.clear_faults),
            ("POST", C + "/push/faults", self.push_faults),
            ("GET", C + "/channels", self.channels),
            ("GET", C + "/stats", self.stats),
            ("POST", C + "/stats/reset", self.reset_stats),
            ("POST", C + "/tokens/expire", self.expire_tokens),
            ("POST", C + "/settings", self.settings),
        ]
        self._handlers = {}
        rules = []
        routes += TasksControl(emulator).routes()
        routes += OAuthControl(emulator).routes(C)
        for index, (method, path, handler) in enumerate(routes):
            self._handlers[index] = handler
            rules.append(Rule(path, methods=[method], endpoint=index))
        self._routes = Map(rules, strict_slashes=False)

    def handle(self, request: Request) -> Response:
        try:
            endpoint, args = self._routes.bind("").match(request.path, method=request.method)
        except HTTPException as exc:
            return _reply(exc.code or 404, errors.ApiError(
                exc.code or 404, "notFound", f"No control endpoint {request.method} "
                f"{request.path}").body())
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return _reply(400, errors.parse_error().body())
        try:
            status, result = self._handlers[endpoint](request, body, **args)
        except errors.ApiError as exc:
            return _reply(exc.code, exc.body())
        return _reply(status, result)

    # --- accounts and calendars -------------------------------------------------------------

    def health(self, request, body):
        return 200, {"status": "ok", "api": self.emu.api_url, "token_uri": self.emu.token_url,
                     "auth_uri": self.emu.oauth_endpoints.auth_uri}

    def create_account(self, request, body):
        body = errors.json_object(body)
        email = _required(body, "email")
        with self.world.lock:
            account = self.world.add_account(email, body.get("display_name"),
                                             body.get("time_zone", "UTC"))
        return 200, self.emu.oauth.user_credentials(account, self.emu.token_url)

    def create_service_account(self, request, body):
        body = errors.json_object(body)
        email = body.get("email") or "bridge@gcaldav-emulator.iam.gserviceaccount.com"
        return 200, self.emu.oauth.service_account_credentials(email, self.emu.token_url)

    def create_calendar(self, request, body):
        body = errors.json_object(body)
        owner = _required(body, "owner").lower()
        with self.world.lock:
            if owner not in self.world.accounts:
                raise errors.bad_request(f"No account {owner}; create it first.")
            calendar_id = body.get("id") or seed.group_calendar_id()
            if calendar_id in self.world.calendars:
                raise errors.duplicate()
            times.zone(body.get("time_zone", "UTC"))
            calendar = self.world.add_calendar(
                calendar_id, owner=owner, summary=_required(body, "summary"),
                time_zone=body.get("time_zone", "UTC"),
                description=body.get("description", ""), color_id=str(body.get("color_id", "14")))
        self.world.changed("calendarList", owner)
        return 200, {"id": calendar.id, "summary": calendar.summary, "owner": owner,
                     "timeZone": calendar.time_zone}

    def change_calendar(self, request, body, calendarId):
        """Rename or re-zone a calendar as its owner would on the web. Like Google, this does
        not show up in incremental calendarList lists (read-only fields)."""
        body = errors.json_object(body)
        with self.world.lock:
            calendar = self._calendar(calendarId)
            if "time_zone" in body:
                times.zone(body["time_zone"])
            for key, attr in (("summary", "summary"), ("description", "description"),
                              ("location", "location"), ("time_zone", "time_zone")):
                if key in body:
                    setattr(calendar, attr, body[key])
            calendar.etag = new_etag()
        return 200, {"id": calendar.id, "summary": calendar.summary,
                     "timeZone": calendar.time_zone}

    def delete_calendar(self, request, body, calendarId):
        with self.world.lock:
            calendar = self._calendar(calendarId)
            subscribers = list(calendar.acl)
            for email in subscribers:
                self.world.share(calendar, email, None)
            del self.world.calendars[calendarId]
        for email in subscribers:
            self.world.changed("calendarList", email)
        return 200, {"deleted": calendarId}

    def share(self, request, body, calendarId):
        body = errors.json_object(body)
        email, role = _required(body, "email").lower(), body.get("role")
        if role is not None and role not in ROLES:
            raise errors.bad_request(f"role must be one of {ROLES} or null")
        with self.world.lock:
            calendar = self._calendar(calendarId)
            if email not in self.world.accounts:
                raise errors.bad_request(f"No account {email}; create it first.")
            self.world.share(calendar, email, role)
        self.world.changed("calendarList", email)
        return 200, {"calendar": calendarId, "email": email, "role": role}

    def invalidate_events(self, request, body, calendarId):
        with self.world.lock:
            self._calendar(calendarId).epoch += 1
        return 200, {"invalidated": calendarId}

    def invalidate_list(self, request, body, email):
        with self.world.lock:
            account = self.world.accounts.get(email.lower())
            if account is None:
                raise errors.not_found()
            account.list_epoch += 1
        return 200, {"invalidated": email}

    # --- events "as Google" ------------------------------------------------------------------

    def _owner_call(self, request, body, calendarId) -> Call:
        with self.world.lock:
            calendar = self._calendar(calendarId)
            account = self.world.accounts[calendar.owner]
        params = {k: request.args.getlist(k) for k in request.args.keys()}
        headers = {k.lower(): v for k, v in request.headers.items()}
        return Call(self.world, account, params, body, headers)

    def insert_event(self, request, body, calendarId):
        call = self._owner_call(request, body, calendarId)
        if isinstance(body, dict) and body.get("recurringEventId"):
            return 200, events.insert_invited_instance(call, calendarId)
        return 200, events.insert(call, calendarId)

    def update_event(self, request, body, calendarId, eventId):
        return 200, events.update(self._owner_call(request, body, calendarId), calendarId,
                                  eventId)

    def patch_event(self, request, body, calendarId, eventId):
        return 200, events.patch(self._owner_call(request, body, calendarId), calendarId,
                                 eventId)

    def delete_event(self, request, body, calendarId, eventId):
        events.delete(self._owner_call(request, body, calendarId), calendarId, eventId)
        return 200, {"deleted": eventId}

    def bulk_insert(self, request, body, calendarId):
        """Seed many events at once: ``{"events": [...]}`` and/or ``{"generate": N}`` (a
        realistic mix from ``seed.generate``; every 4th generated series gets a moved and a
        cancelled instance), one lock and one push notification in all."""
        body = errors.json_object(body)
        bodies = list(body.get("events") or [])
        if body.get("generate"):
            with self.world.lock:
                zone = self._calendar(calendarId).time_zone
            bodies += seed.generate(int(body["generate"]), seed=int(body.get("seed", 1)),
                                    time_zone=zone)
        call = self._owner_call(request, None, calendarId)
        with self.world.lock:
            listeners, self.world.listeners = self.world.listeners, []
            try:
                ids = seed.populate(call, calendarId, bodies,
                                    exception_every=4 if body.get("generate") else 0)
            finally:
                self.world.listeners = listeners
        self.world.changed("events", calendarId)
        return 200, {"inserted": len(ids), "ids": ids}

    # --- faults, stats, tokens -----------------------------------------------------------------

    def list_faults(self, request, body):
        return 200, {"faults": self.emu.faults.pending(), "push": {
            "drop": self.emu.push.drop_next, "duplicate": self.emu.push.duplicate_next}}

    def add_fault(self, request, body):
        fault = faults.parse(body)
        self.emu.faults.add(fault)
        return 200, vars(fault)

    def clear_faults(self, request, body):
        self.emu.faults.clear()
        self.emu.push.drop_next = self.emu.push.duplicate_next = 0
        return 200, {"faults": []}

    def push_faults(self, request, body):
        body = errors.json_object(body)
        self.emu.push.drop_next = int(body.get("drop", 0))
        self.emu.push.duplicate_next = int(body.get("duplicate", 0))
        return 200, {"drop": self.emu.push.drop_next, "duplicate": self.emu.push.duplicate_next}

    def channels(self, request, body):
        return 200, {"channels": [
            dict(c.resource(), address=c.address, owner=c.owner, live=c.live(),
                 stopped_at=c.stopped_at,
                 messages=c.message_number) for c in list(self.emu.push.channels.values())],
            "delivered": self.emu.push.delivered}

    def stats(self, request, body):
        return 200, self.emu.stats.snapshot()

    def reset_stats(self, request, body):
        self.emu.stats.reset()
        return 200, self.emu.stats.snapshot()

    def expire_tokens(self, request, body):
        return 200, {"expired": self.emu.oauth.expire_all()}

    def settings(self, request, body):
        body = errors.json_object(body)
        if "token_ttl" in body:
            self.emu.oauth.token_ttl = int(body["token_ttl"])
        if "sync_token_ttl" in body:
            self.world.sync_token_ttl = dt.timedelta(seconds=float(body["sync_token_ttl"]))
        return 200, {"token_ttl": self.emu.oauth.token_ttl,
                     "sync_token_ttl": self.world.sync_token_ttl.total_seconds()}

    def _calendar(self, calendar_id: str):
        calendar = self.world.calendars.get(calendar_id)
        if calendar is None:
            raise errors.not_found()
        return calendar



def _required(body: dict, key: str) -> str:
    value = body.get(key)
    if not value or not isinstance(value, str):
        raise errors.bad_request(f"Field {key!r} is required.")
    return value


def _reply(status: int, body: object) -> Response:
    return Response(json.dumps(body, indent=1), status=status,
                    content_type="application/json; charset=UTF-8")
