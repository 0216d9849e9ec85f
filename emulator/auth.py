"""OAuth 2.0: the token endpoint and bearer-token checks.

``POST /token`` accepts the refresh_token grant (authorized-user credentials) and the
JWT-bearer grant (service accounts, optionally impersonating a user through ``sub``), answers
as Google does, and issues opaque access tokens that expire after ``token_ttl`` seconds.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as auth_exceptions
from google.auth import jwt

from . import errors
from .clock import Clock
from .state import Account, World

SCOPE_PREFIX = "https://www.googleapis.com/auth/"
FULL_SCOPE = SCOPE_PREFIX + "calendar"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"   # google-auth hard-codes it

_READ_EVENTS = {"calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly",
                "calendar.events.owned", "calendar.events.owned.readonly",
                "calendar.events.public.readonly", "calendar.events.freebusy",
                "calendar.app.created"}
_WRITE_EVENTS = {"calendar", "calendar.events", "calendar.events.owned", "calendar.app.created"}
_LIST = {"calendar", "calendar.readonly", "calendar.calendarlist",
         "calendar.calendarlist.readonly"}
_CALENDARS = {"calendar", "calendar.readonly", "calendar.calendars",
              "calendar.calendars.readonly", "calendar.app.created"}
# Scopes accepted per API method (any one suffices), from the discovery document.
METHOD_SCOPES = {
    "events.list": _READ_EVENTS, "events.get": _READ_EVENTS, "events.instances": _READ_EVENTS,
    "events.watch": _READ_EVENTS, "events.insert": _WRITE_EVENTS, "events.import": _WRITE_EVENTS,
    "events.update": _WRITE_EVENTS, "events.patch": _WRITE_EVENTS, "events.delete": _WRITE_EVENTS,
    "calendarList.list": _LIST, "calendarList.watch": _LIST,
    "calendarList.get": _LIST | {"calendar.app.created"},
    "calendarList.patch": {"calendar", "calendar.calendarlist", "calendar.app.created"},
    "calendarList.update": {"calendar", "calendar.calendarlist", "calendar.app.created"},
    "calendarList.delete": {"calendar", "calendar.calendarlist", "calendar.app.created"},
    "calendarList.insert": {"calendar", "calendar.calendarlist"},
    "calendars.get": _CALENDARS,
    "events.move": {"calendar", "calendar.events", "calendar.events.owned"},
    "colors.get": _LIST | {"calendar.events.owned", "calendar.events.owned.readonly",
                           "calendar.events.public.readonly", "calendar.events.freebusy",
                           "calendar.app.created"},
}
METHOD_SCOPES.update({name: {"calendar", "calendar.calendars", "calendar.app.created"}
                      for name in ("calendars.insert", "calendars.update", "calendars.patch",
                                   "calendars.delete")})
# Tasks: reads accept either tasks scope, writes need the full one.
METHOD_SCOPES.update({name: {"tasks", "tasks.readonly"} for name in (
    "tasklists.list", "tasklists.get", "tasks.list", "tasks.get")})
METHOD_SCOPES.update({name: {"tasks"} for name in (
    "tasklists.insert", "tasklists.update", "tasklists.patch", "tasklists.delete",
    "tasks.insert", "tasks.update", "tasks.patch", "tasks.delete", "tasks.move",
    "tasks.clear")})


@dataclass
class Grant:
    email: str
    expires: float
    scopes: frozenset[str]


@dataclass
class ServiceAccount:
    email: str
    key_id: str
    public_pem: bytes


class OAuth:
    def __init__(self, world: World, token_ttl: int = 3600):
        self.world = world
        self.token_ttl = token_ttl
        self.clock = Clock()
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self._service_accounts: dict[str, ServiceAccount] = {}

    # --- credentials handed out by the control API ---------------------------------------------

    def user_credentials(self, account: Account, token_uri: str) -> dict:
        return {"type": "authorized_user", "client_id": self.world.client_id,
                "client_secret": self.world.client_secret,
                "refresh_token": account.refresh_token, "token_uri": token_uri,
                "account": account.email, "universe_domain": "googleapis.com"}

    def service_account_credentials(self, email: str, token_uri: str) -> dict:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_id = secrets.token_hex(20)
        self._service_accounts[email] = ServiceAccount(
            email, key_id, key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        private_pem = key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
        return {"type": "service_account", "project_id": "gcaldav-emulator",
                "private_key_id": key_id, "private_key": private_pem, "client_email": email,
                "client_id": str(secrets.randbelow(10**20)), "token_uri": token_uri,
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "universe_domain": "googleapis.com"}

    # --- the token endpoint --------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> tuple[int, dict]:
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            return self._refresh(form)
        if grant_type == JWT_GRANT:
            return self._jwt(form)
        return 400, {"error": "unsupported_grant_type",
                     "error_description": f"Invalid grant_type: {grant_type}"}

    def _refresh(self, form: dict[str, str]) -> tuple[int, dict]:
        if (form.get("client_id") != self.world.client_id
                or form.get("client_secret") != self.world.client_secret):
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        with self.world.lock:
            account = next((a for a in self.world.accounts.values()
                            if a.refresh_token == form.get("refresh_token")), None)
        if account is None:
            return 400, {"error": "invalid_grant",
                         "error_description": "Token has been expired or revoked."}
        return 200, self.issue(account.email, form.get("scope"))

    def _jwt(self, form: dict[str, str]) -> tuple[int, dict]:
        invalid = (400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        try:
            header = jwt.decode_header(form.get("assertion", ""))
            unverified = jwt.decode(form.get("assertion", ""), verify=False)
        except (ValueError, auth_exceptions.GoogleAuthError):
            return invalid
        sa = self._service_accounts.get(unverified.get("iss", ""))
        if sa is None or header.get("kid") != sa.key_id:
            return invalid
        try:
            claims = jwt.decode(form["assertion"], certs=sa.public_pem.decode(),
                                audience=GOOGLE_TOKEN_AUDIENCE)
        except (ValueError, auth_exceptions.GoogleAuthError):
            return invalid
        email = claims.get("sub") or sa.email
        with self.world.lock:
            if claims.get("sub") and claims["sub"].lower() not in self.world.accounts:
                return 401, {"error": "unauthorized_client",
                             "error_description": "Client is unauthorized to retrieve access "
                                                  "tokens using this method."}
            if not claims.get("sub"):
                self.world.add_account(sa.email)
        return 200, self.issue(email.lower(), claims.get("scope"))

    def issue(self, email: str, scope: str | None) -> dict:
        """A new bearer token for the account, as the token endpoint's JSON answer."""
        scopes = frozenset((scope or FULL_SCOPE).split())
        token = "ya29." + secrets.token_urlsafe(48)
        with self._lock:
            self._grants[token] = Grant(email, self.clock.now() + self.token_ttl, scopes)
        return {"access_token": token, "expires_in": self.token_ttl,
                "scope": " ".join(sorted(scopes)), "token_type": "Bearer"}

    # --- checks on API calls ---------------------------------------------------------------------

    def authenticate(self, authorization: str | None, access_token: str | None,
                     method: str) -> Account:
        token = access_token
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        if not token:
            raise errors.login_required()
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or grant.expires <= self.clock.now():
            raise errors.invalid_credentials()
        accepted = METHOD_SCOPES.get(method)
        if accepted and not {s.removeprefix(SCOPE_PREFIX) for s in grant.scopes} & accepted:
            raise errors.insufficient_scopes(sorted(SCOPE_PREFIX + s for s in accepted))
        with self.world.lock:
            account = self.world.accounts.get(grant.email)
        if account is None:
            raise errors.invalid_credentials()
        return account

    def expire_all(self) -> int:
        with self._lock:
            for grant in self._grants.values():
                grant.expires = 0
            return len(self._grants)

    def drop_access_tokens(self, doomed: Callable[[str, Grant], bool]) -> int:
        """Revoke the access tokens ``doomed(token, grant)`` picks; how many there were."""
        with self._lock:
            tokens = [t for t, g in self._grants.items() if doomed(t, g)]
            for token in tokens:
                del self._grants[token]
            return len(tokens)


