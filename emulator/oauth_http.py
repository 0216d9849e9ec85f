"""Google's OAuth 2.0 endpoints over HTTP: the authorization endpoint (``/o/oauth2/auth``,
``/o/oauth2/v2/auth``), the token endpoint (``/token``) and the revocation endpoint
(``/revoke``).

The token endpoint takes client credentials from HTTP Basic (as requests-oauthlib sends them)
or the form (as google-auth does), hands ``authorization_code`` grants and refresh tokens from
consent to ``UserGrants`` and everything else (control-API credentials, service accounts) to
``OAuth``. Faults registered for the method ``oauth.token`` hit it like API faults.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from . import faults
from .authorize import Authorization
from .oauth_clients import OAuthClients
from .oauth_errors import OAuthError
from .user_grants import UserGrants

if TYPE_CHECKING:
    from .app import Emulator

AUTH_PATHS = ("/o/oauth2/auth", "/o/oauth2/v2/auth")
TOKEN_PATH = "/token"
REVOKE_PATH = "/revoke"
_FAULT_ERRORS = {500: "internal_failure", 503: "temporarily_unavailable"}


class OAuthEndpoints:
    def __init__(self, emulator: "Emulator"):
        self.emu = emulator
        self.clients = OAuthClients()
        self.grants = UserGrants(emulator.oauth, self.clients)
        self.authorization = Authorization(emulator.world, self.clients, self.grants,
                                           emulator.oauth.clock)

    @property
    def auth_uri(self) -> str:
        return self.emu.base_url + AUTH_PATHS[0]

    def serves(self, path: str) -> bool:
        return path in AUTH_PATHS or path in (TOKEN_PATH, REVOKE_PATH)

    def handle(self, request: Request, environ) -> Response:
        if request.path in AUTH_PATHS:
            self.emu.stats.count("oauth.authorize")
            return self.authorization.handle(request.method, request.path, request.args,
                                             request.form)
        if request.path == REVOKE_PATH:
            return self._revoke(request)
        return self._token(request, environ)

    # --- token -----------------------------------------------------------------------------------

    def _token(self, request: Request, environ) -> Response:
        if request.method != "POST":
            return _json(405, {"error": "invalid_request", "error_description": "POST only"})
        self.emu.stats.count("oauth.token")
        fault = self.emu.faults.take("oauth.token", exact=True)
        if fault and fault.kind == "delay":
            time.sleep(fault.seconds)
        elif fault and fault.kind == "disconnect":
            faults.drop_connection(environ)
        elif fault and fault.kind == "error":
            return _json(fault.status, {
                "error": fault.reason or _FAULT_ERRORS.get(fault.status, "server_error"),
                "error_description": "Injected fault"})
        form = request.form.to_dict()
        client_id, client_secret = _client_credentials(request, form)
        try:
            status, body = self._grant(form, client_id, client_secret)
        except OAuthError as exc:
            status, body = exc.status, exc.body()
        if fault and fault.kind == "lose_reply":
            faults.drop_connection(environ)
        return _json(status, body)

    def _grant(self, form: dict[str, str], client_id: str | None,
               client_secret: str | None) -> tuple[int, dict]:
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            client = self.clients.authenticate(client_id, client_secret)
            return 200, self.grants.exchange(client, form)
        if grant_type == "refresh_token" and self.grants.owns(form.get("refresh_token")):
            client = self.clients.authenticate(client_id, client_secret)
            return 200, self.grants.refresh(client, form)
        form.update({k: v for k, v in (("client_id", client_id),
                                        ("client_secret", client_secret)) if v})
        return self.emu.oauth.token(form)

    # --- revoke ----------------------------------------------------------------------------------

    def _revoke(self, request: Request) -> Response:
        if request.method != "POST":
            return Response("Not Found", status=404, content_type="text/html; charset=UTF-8")
        self.emu.stats.count("oauth.revoke")
        token = request.form.get("token") or request.args.get("token")
        if not token:
            return _json(400, {"error": "invalid_request",
                               "error_description": "Missing required parameter: token"})
        if self.revoke_token(token):
            return _json(200, {})
        return _json(400, {"error": "invalid_token",
                           "error_description": "Token expired or revoked"})

    def revoke_token(self, token: str) -> bool:
        """Revoke a refresh or access token (with its grant); False if unknown."""
        return self.grants.revoke_token(token) or self._revoke_control_token(token)

    def _revoke_control_token(self, token: str) -> bool:
        """An access token, or the refresh token of a control-API account."""
        world = self.emu.world
        with world.lock:
            account = next((a for a in world.accounts.values() if a.refresh_token == token),
                           None)
        if account is not None:
            self.revoke_account(account.email, self.emu.world.client_id)
            return True
        return self.emu.oauth.drop_access_tokens(lambda t, _: t == token) > 0

    def revoke_account(self, email: str, client_id: str | None = None) -> int:
        """The user removes an app's access (``client_id``; None: every app's): its refresh
        and access tokens die. The control-API credentials of the account count as the
        emulator's own client and get a new refresh token, as after a fresh consent."""
        email = email.lower()
        count = self.grants.revoke_account(email, client_id)
        if client_id not in (None, self.emu.world.client_id):
            return count
        with self.emu.world.lock:
            account = self.emu.world.accounts.get(email)
            if account is None:
                return count
            account.refresh_token = "1//" + secrets.token_urlsafe(32)
        self.emu.oauth.drop_access_tokens(
            lambda token, grant: grant.email == email and not self.grants.tracks(token))
        return count + 1


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        return auth.username, auth.password
    return form.get("client_id"), form.get("client_secret")


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body, indent=2), status=status,
                    content_type="application/json; charset=utf-8",
                    headers={"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
                             "Pragma": "no-cache"})
