"""What users granted to OAuth clients: authorization codes, the grants they are exchanged
for (a refresh token, when offline access was asked for, and the access tokens minted from
it), the authorization_code and refresh_token grants for them, and revocation.

Faithful to Google where it is visible on the wire: codes are single use (replaying one also
revokes what it produced), bound to client, redirect URI and PKCE challenge, and expire;
refresh tokens of a client in "Testing" publishing status die 7 days after consent (unless
only sign-in scopes were granted); at most 100 live refresh tokens per client and account
(the oldest dies silently).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import secrets
import threading
from dataclasses import dataclass, field

from . import id_tokens, oauth_scopes
from .auth import OAuth
from .oauth_clients import OAuthClient, OAuthClients
from .oauth_errors import OAuthError, dead_token, invalid_grant, invalid_request

CODE_TTL = 600
TESTING_REFRESH_TTL = 7 * 24 * 3600
MAX_LIVE_REFRESH_TOKENS = 100
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


@dataclass
class Code:
    client_id: str
    email: str
    redirect_uri: str
    scopes: frozenset[str]
    challenge: str | None
    method: str | None
    offline: bool
    expires: float
    used: bool = False
    grant: "UserGrant | None" = None


@dataclass
class UserGrant:
    client_id: str
    email: str
    scopes: frozenset[str]
    issued: float
    refresh_token: str | None
    expires: float | None = None
    revoked: bool = False
    access_tokens: set[str] = field(default_factory=set)

    def alive(self, now: float) -> bool:
        return not self.revoked and (self.expires is None or now < self.expires)

    def describe(self, now: float) -> dict:
        return {"client_id": self.client_id, "account": self.email,
                "scopes": sorted(self.scopes), "offline": self.refresh_token is not None,
                "issued": self.issued, "expires": self.expires, "alive": self.alive(now)}


def challenge_of(verifier: str, method: str) -> str:
    if method == "plain":
        return verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class UserGrants:
    def __init__(self, oauth: OAuth, clients: OAuthClients):
        self.oauth = oauth
        self.clients = clients
        self.clock = oauth.clock
        self._lock = threading.Lock()
        self._codes: dict[str, Code] = {}
        self._grants: list[UserGrant] = []
        self._by_refresh: dict[str, UserGrant] = {}
        self._consents: dict[tuple[str, str], frozenset[str]] = {}

    # --- consent and codes -----------------------------------------------------------------------

    def previously_granted(self, client_id: str, email: str) -> frozenset[str]:
        with self._lock:
            return self._consents.get((client_id, email), frozenset())

    def new_code(self, client: OAuthClient, email: str, redirect_uri: str,
                 scopes: frozenset[str], challenge: str | None, method: str | None,
                 offline: bool) -> str:
        """Record the consent and mint the code the browser carries back to the client."""
        value = "4/0A" + secrets.token_urlsafe(54)
        with self._lock:
            key = (client.client_id, email)
            self._consents[key] = self._consents.get(key, frozenset()) | scopes
            self._codes[value] = Code(client.client_id, email, redirect_uri, scopes, challenge,
                                      method, offline, self.clock.now() + CODE_TTL)
        return value

    # --- grant_type=authorization_code -----------------------------------------------------------

    def exchange(self, client: OAuthClient, form: dict[str, str]) -> dict:
        value = form.get("code")
        if not value:
            raise invalid_request("Missing required parameter: code")
        redirect_uri = form.get("redirect_uri")
        if not redirect_uri:
            raise invalid_request("Missing parameter: redirect_uri")
        with self._lock:
            code = self._codes.get(value)
            if code is None:
                raise invalid_grant("Bad Request" if value.startswith("4/")
                                    else "Malformed auth code.")
            if code.used:
                self._revoke(code.grant)
                raise invalid_grant()
            if code.client_id != client.client_id or code.expires <= self.clock.now():
                raise invalid_grant()
        if not client.redirect_allowed(redirect_uri):
            raise OAuthError(400, "redirect_uri_mismatch", "Bad Request")
        if redirect_uri != code.redirect_uri:
            raise invalid_grant()
        self._check_verifier(code, form.get("code_verifier"))
        with self._lock:
            if code.used:                       # lost a race with a concurrent exchange
                raise invalid_grant()
            code.used = True
            code.grant = self._new_grant(client, code)
        return self._tokens(code.grant, code.scopes, with_refresh=True)

    @staticmethod
    def _check_verifier(code: Code, verifier: str | None) -> None:
        if code.challenge is None:
            return
        if not verifier:
            raise invalid_grant("Missing code verifier.")
        if (not _VERIFIER.fullmatch(verifier) or not secrets.compare_digest(
                challenge_of(verifier, code.method or "plain"), code.challenge)):
            raise invalid_grant("Invalid code verifier.")

    def _new_grant(self, client: OAuthClient, code: Code) -> UserGrant:
        """Called with the lock held."""
        now = self.clock.now()
        refresh = ("1//0" + secrets.token_urlsafe(72)) if code.offline else None
        grant = UserGrant(client.client_id, code.email, code.scopes, now, refresh)
        if refresh and client.publishing_status == "testing" and not oauth_scopes.only_sign_in(
                code.scopes):
            grant.expires = now + TESTING_REFRESH_TTL
        self._grants.append(grant)
        if refresh:
            self._by_refresh[refresh] = grant
            live = [g for g in self._grants if g.refresh_token and g.alive(now)
                    and (g.client_id, g.email) == (client.client_id, code.email)]
            for oldest in live[:-MAX_LIVE_REFRESH_TOKENS]:
                self._revoke(oldest)
        return grant

    # --- grant_type=refresh_token ----------------------------------------------------------------

    def owns(self, refresh_token: str | None) -> bool:
        with self._lock:
            return refresh_token in self._by_refresh

    def refresh(self, client: OAuthClient, form: dict[str, str]) -> dict:
        with self._lock:
            grant = self._by_refresh[form["refresh_token"]]
        if grant.client_id != client.client_id:
            raise OAuthError(401, "unauthorized_client", "Unauthorized")
        if not grant.alive(self.clock.now()):
            raise dead_token()
        scopes = grant.scopes
        if form.get("scope"):
            wanted, unknown = oauth_scopes.parse(form["scope"])
            if unknown or not set(wanted) <= grant.scopes:
                raise OAuthError(400, "invalid_scope",
                                 "Some requested scopes were not granted by the user.")
            scopes = frozenset(wanted)
        return self._tokens(grant, scopes, with_refresh=False)

    def _tokens(self, grant: UserGrant, scopes: frozenset[str], with_refresh: bool) -> dict:
        body = self.oauth.issue(grant.email, " ".join(sorted(scopes)))
        with self._lock:
            grant.access_tokens.add(body["access_token"])
        if with_refresh and grant.refresh_token:
            body["refresh_token"] = grant.refresh_token
        if "openid" in scopes:
            body["id_token"] = id_tokens.mint(grant.client_id, grant.email, scopes,
                                              self.clock.now())
        if grant.refresh_token and grant.expires is not None:
            left = math.ceil(grant.expires - self.clock.now())
            body["refresh_token_expires_in"] = max(0, left - 1)
        return body

    # --- revocation ------------------------------------------------------------------------------

    def _revoke(self, grant: UserGrant | None) -> int:
        """Called with the lock held: the grant's refresh token and access tokens die."""
        if grant is None or grant.revoked:
            return 0
        grant.revoked = True
        doomed = set(grant.access_tokens)
        self.oauth.drop_access_tokens(lambda token, _: token in doomed)
        return 1

    def revoke_token(self, token: str) -> bool:
        """Google's revocation endpoint: a refresh token, or an access token of a grant, ends
        the whole grant."""
        with self._lock:
            grant = self._by_refresh.get(token) or next(
                (g for g in self._grants if token in g.access_tokens), None)
            if grant is None or grant.revoked:
                return False
            return bool(self._revoke(grant))

    def revoke_account(self, email: str, client_id: str | None = None) -> int:
        """The user removes the app's access in their Google Account: every grant (of one
        client, or of all) dies and the next authorization asks for consent again."""
        with self._lock:
            count = sum(self._revoke(g) for g in self._grants
                        if g.email == email and client_id in (None, g.client_id))
            for key in [k for k in self._consents
                        if k[1] == email and client_id in (None, k[0])]:
                del self._consents[key]
            return count

    def tracks(self, access_token: str) -> bool:
        """Whether the access token was minted from a grant of consent."""
        with self._lock:
            return any(access_token in g.access_tokens for g in self._grants)

    def describe(self) -> list[dict]:
        now = self.clock.now()
        with self._lock:
            return [g.describe(now) for g in self._grants]
