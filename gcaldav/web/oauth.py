"""Signing in with Google for the connect page: the OAuth 2.0 web-server flow with
google-auth-oauthlib's ``Flow`` (PKCE; each flow's state bound to the session that started
it), and the first syncs that follow, run on threads and watched by their pages."""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass

from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2 import OAuth2Error
from werkzeug.exceptions import BadRequest, NotFound

from bridge.errors import BridgeError

CALLBACK = "/.gcaldav/oauth/callback"
FLOW_LIFETIME = 600.0       # Google's authorization codes live 10 minutes
JOB_LIFETIME = 3600.0
log = logging.getLogger(__name__)


@dataclass
class Job:
    """A first sync after a sign-in, as its page shows it."""
    user: str
    started: float
    calendar: str = ""
    done: int = 0
    total: int = 0
    finished: bool = False
    error: str = ""


class Connects:
    """The OAuth client's configuration, the sign-ins under way and the first syncs."""

    def __init__(self, client_secrets: str, clock=time.monotonic):
        self.clock = clock
        self.config, self.problem = _client_config(client_secrets)
        if client_secrets and self.problem:
            log.warning("oauth_client_secrets %s: %s", client_secrets, self.problem)
        self.auth_uri = next(iter(self.config.values()))["auth_uri"] if self.config else ""
        self._flows: dict[str, tuple[tuple[str, str], str, float]] = {}
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, owner: tuple[str, str], redirect_uri: str, scopes: list[str]) -> str:
        """The URL of Google's consent page for ``owner`` (user, session token)."""
        flow = Flow.from_client_config(self.config, scopes=scopes, redirect_uri=redirect_uri)
        url, state = flow.authorization_url(access_type="offline", prompt="consent")
        with self._lock:
            self._forget_old()
            self._flows[state] = (owner, flow.code_verifier, self.clock() + FLOW_LIFETIME)
        return url

    def finish(self, owner: tuple[str, str], state: str, code: str, redirect_uri: str,
               scopes: list[str]) -> dict:
        """Exchange the code for credentials (authorized-user info), once, for its owner."""
        with self._lock:
            flow_owner, verifier, deadline = self._flows.pop(state, (None, "", 0.0))
        if flow_owner != owner or deadline < self.clock():
            raise BadRequest("This sign-in was not started from this session or took too long. "
                             "Start again with “Connect a Google account”.")
        flow = Flow.from_client_config(self.config, scopes=scopes, redirect_uri=redirect_uri,
                                       state=state, code_verifier=verifier)
        try:
            flow.fetch_token(code=code)
        except OAuth2Error as exc:       # its description is Google's, never a secret
            raise BadRequest(f"Google refused the sign-in ({exc.error}). Check that the OAuth "
                             f"client in oauth_client_secrets allows {redirect_uri} as a "
                             "redirect URI and is not deleted, then try again.") from None
        except Warning:                  # oauthlib: the granted scopes differ from the asked
            raise BadRequest("Google did not grant access to your calendars. Connect again "
                             "and leave the calendar permission ticked.") from None
        if not flow.credentials.refresh_token:
            raise BadRequest("Google sent no refresh token. Remove gcaldav's access in your "
                             "Google account's security settings, then connect again.")
        return {**json.loads(flow.credentials.to_json()), "type": "authorized_user"}

    def run(self, user: str, link) -> str:
        """Start ``link(progress)`` on a thread; answers the job's id."""
        job_id, job = secrets.token_urlsafe(16), Job(user, self.clock())
        with self._lock:
            self.jobs[job_id] = job

        def progress(name: str, done: int, total: int) -> None:
            job.calendar, job.done, job.total = name, done, total

        def work() -> None:
            try:
                link(progress)
            except BridgeError as exc:
                job.error = str(exc)
            except Exception:
                log.exception("linking a Google account for %s failed", user)
                job.error = "The first sync failed; the server's log says why."
            job.finished = True
        threading.Thread(target=work, name="gcaldav-connect", daemon=True).start()
        return job_id

    def job(self, job_id: str, user: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.user != user:
            raise NotFound("There is no such sign-in.")
        return job

    def _forget_old(self) -> None:
        now = self.clock()
        for state in [s for s, f in self._flows.items() if f[2] < now]:
            del self._flows[state]
        for job_id in [j for j, job in self.jobs.items() if job.started + JOB_LIFETIME < now]:
            del self.jobs[job_id]


def _client_config(path: str) -> tuple[dict, str]:
    """(the client's config, "") or ({}, what is wrong, in words)."""
    if not path:
        return {}, ("No OAuth client is configured: the administrator sets "
                    "oauth_client_secrets in the [storage] section.")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        return {}, f"The OAuth client file cannot be read ({type(exc).__name__})."
    kind = "web" if "web" in data else "installed" if "installed" in data else None
    fields = data.get(kind) if kind else None
    if not isinstance(fields, dict) or not all(
            fields.get(k) for k in ("client_id", "client_secret", "auth_uri", "token_uri")):
        return {}, ("The OAuth client file is not a client-secrets JSON from the Google Cloud "
                    "console (a “web” or “installed” client with client_id, client_secret, "
                    "auth_uri and token_uri).")
    return {kind: fields}, ""
