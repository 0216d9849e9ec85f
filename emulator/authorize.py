"""Google's authorization endpoint (``/o/oauth2/auth``, ``/o/oauth2/v2/auth``).

GET validates the request as Google does (errors about the client or the redirect URI are
shown as a page, never redirected) and shows the consent page; POSTing that page's form
answers with a 302 to the client's redirect URI carrying ``code``, ``scope`` and ``state`` —
or ``error=access_denied``. Tests may switch on automatic consent (control API) so the GET
redirects at once.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from . import consent_page, oauth_scopes
from .clock import Clock
from .oauth_clients import OOB_URIS, OAuthClient, OAuthClients
from .oauth_errors import OAuthError, invalid_request
from .state import World
from .user_grants import UserGrants

PENDING_TTL = 3600
_CHALLENGE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_PROMPTS = frozenset({"none", "consent", "select_account"})


@dataclass
class AuthRequest:
    client: OAuthClient
    redirect_uri: str
    scopes: list[str]
    state: str | None
    challenge: str | None
    method: str | None
    offline: bool
    prompt: frozenset[str]
    login_hint: str | None
    include_granted: bool
    expires: float = 0.0

    @property
    def granular(self) -> bool:
        """Google lets the user tick scopes once two or more non-sign-in ones are asked."""
        return len([s for s in self.scopes if s not in oauth_scopes.SIGN_IN]) >= 2


@dataclass
class AutoConsent:
    """What the control API told the "user" to answer instead of showing the page."""
    account: str
    allow: bool = True
    scopes: list[str] | None = None     # None: everything asked for


class Authorization:
    def __init__(self, world: World, clients: OAuthClients, grants: UserGrants, clock: Clock):
        self.world = world
        self.clients = clients
        self.grants = grants
        self.clock = clock
        self.auto: AutoConsent | None = None
        self._lock = threading.Lock()
        self._pending: dict[str, AuthRequest] = {}

    def handle(self, method: str, path: str, args: MultiDict, form: MultiDict) -> Response:
        try:
            if method == "POST" and "request_id" in form:
                return self._answer(form)
            if method in ("GET", "POST"):
                return self._ask(path, form if method == "POST" else args)
            raise OAuthError(405, "invalid_request", f"Method {method} not allowed.")
        except OAuthError as exc:
            return _page(consent_page.error(exc), exc.status)

    # --- the request -----------------------------------------------------------------------------

    def _ask(self, path: str, params: MultiDict) -> Response:
        request = self.parse(params)
        if "none" in request.prompt:            # there is no browser session to reuse here
            return _redirect(request, {"error": "interaction_required"})
        auto = self.auto
        if auto is not None:
            return self._decide(request, auto.account, auto.allow, auto.scopes)
        request_id = secrets.token_urlsafe(24)
        now = self.clock.now()
        request.expires = now + PENDING_TTL
        with self._lock:
            for stale in [k for k, r in self._pending.items() if r.expires <= now]:
                del self._pending[stale]
            self._pending[request_id] = request
        with self.world.lock:
            accounts = sorted(self.world.accounts)
        hint = (request.login_hint or "").lower()
        chosen = hint if hint in accounts else (accounts[0] if accounts else None)
        html = consent_page.consent(action=path, request_id=request_id,
                                    app_name=request.client.name, accounts=accounts,
                                    chosen=chosen, scopes=request.scopes,
                                    granular=request.granular)
        return _page(html, 200)

    def parse(self, params: MultiDict) -> AuthRequest:
        """Validate an authorization request in Google's order; OAuthError for a bad one."""
        client = self.clients.find(_required(params, "client_id"))
        redirect_uri = _required(params, "redirect_uri")
        if redirect_uri in OOB_URIS:
            raise invalid_request("The out-of-band (OOB) flow has been blocked in order to "
                                  "keep users secure.")
        if not client.redirect_allowed(redirect_uri):
            raise OAuthError(400, "redirect_uri_mismatch",
                             "You can't sign in to this app because it doesn't comply with "
                             "Google's OAuth 2.0 policy. If you're the app developer, register "
                             f"the redirect URI in the Google Cloud Console. "
                             f"Request details: redirect_uri={redirect_uri}")
        response_type = _required(params, "response_type")
        if response_type != "code":
            raise OAuthError(400, "unsupported_response_type",
                             f"Invalid response_type: {response_type}")
        scopes, unknown = oauth_scopes.parse(_required(params, "scope"))
        if unknown or not scopes:
            raise OAuthError(400, "invalid_scope", "Some requested scopes were invalid. "
                             f"{{valid=[{', '.join(scopes)}], invalid=[{', '.join(unknown)}]}}")
        challenge, method = _pkce(params)
        access_type = params.get("access_type", "online")
        if access_type not in ("online", "offline"):
            raise invalid_request(f"Invalid access_type: {access_type}")
        return AuthRequest(
            client=client, redirect_uri=redirect_uri, scopes=scopes, state=params.get("state"),
            challenge=challenge, method=method, offline=access_type == "offline",
            prompt=_prompt(params), login_hint=params.get("login_hint"),
            include_granted=params.get("include_granted_scopes") == "true")

    # --- the answer ------------------------------------------------------------------------------

    def _answer(self, form: MultiDict) -> Response:
        with self._lock:
            request = self._pending.pop(form["request_id"], None)
        if request is None or request.expires <= self.clock.now():
            raise invalid_request("This sign-in request has expired or was already answered. "
                                  "Go back to the app and try again.")
        ticked = form.getlist("scope") if request.granular else None
        return self._decide(request, form.get("account", ""), form.get("action") == "allow",
                            ticked)

    def _decide(self, request: AuthRequest, account: str, allow: bool,
                ticked: list[str] | None) -> Response:
        if not allow:
            return _redirect(request, {"error": "access_denied"})
        email = account.strip().lower()
        with self.world.lock:
            if email not in self.world.accounts:
                raise invalid_request(f"There is no account {email or '(none chosen)'}.")
        granted = {s for s in request.scopes
                   if s in oauth_scopes.SIGN_IN or ticked is None
                   or s in map(oauth_scopes.normalize, ticked)}
        if not granted:
            return _redirect(request, {"error": "access_denied"})
        before = self.grants.previously_granted(request.client.client_id, email)
        consent_shown = "consent" in request.prompt or not set(request.scopes) <= before
        if request.include_granted:
            granted |= before
        code = self.grants.new_code(request.client, email, request.redirect_uri,
                                    frozenset(granted), request.challenge, request.method,
                                    offline=request.offline and consent_shown)
        return _redirect(request, {"code": code, "scope": " ".join(sorted(granted)),
                                   "authuser": "0",
                                   "prompt": "consent" if consent_shown else "none"})


def _required(params: MultiDict, name: str) -> str:
    value = params.get(name)
    if not value:
        raise invalid_request(f"Required parameter is missing: {name}")
    return value


def _pkce(params: MultiDict) -> tuple[str | None, str | None]:
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise invalid_request("Required parameter is missing: code_challenge")
        return None, None
    method = method or "plain"
    if method not in ("S256", "plain"):
        raise invalid_request(f"Invalid code_challenge_method: {method}")
    if not _CHALLENGE.fullmatch(challenge):
        raise invalid_request("Invalid code_challenge.")
    return challenge, method


def _prompt(params: MultiDict) -> frozenset[str]:
    prompt = frozenset((params.get("prompt") or "").split())
    approval = params.get("approval_prompt")
    if approval is not None:
        if "prompt" in params:
            raise invalid_request("Conflict params: approval_prompt and prompt")
        if approval != "force":
            raise invalid_request("Invalid parameter value for approval_prompt")
        return frozenset({"consent"})
    if not prompt <= _PROMPTS or ("none" in prompt and len(prompt) > 1):
        raise invalid_request(f"Invalid prompt: {params.get('prompt')}")
    return prompt


def _redirect(request: AuthRequest, params: dict[str, str]) -> Response:
    """Back to the client: ``state`` first, verbatim, as Google orders it."""
    state = {"state": request.state} if request.state is not None else {}
    ordered = params | state if "error" in params else state | params
    separator = "&" if "?" in request.redirect_uri else "?"
    response = Response(status=302)
    response.headers["Location"] = request.redirect_uri + separator + urlencode(ordered)
    response.headers["Cache-Control"] = "no-store"
    response.autocorrect_location_header = False
    return response


def _page(html: str, status: int) -> Response:
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response
