"""Signing in to Google from the command line: OAuth 2.0 for installed apps
(google-auth-oauthlib), with PKCE and a checked ``state``.

Two ways back from the browser:

- loopback (default): a one-shot HTTP server on 127.0.0.1 and a random port receives the
  redirect; the browser is opened if there is one, and the address is printed either way;
- pasted (``--no-browser``, for a headless server): the address is printed, the person opens
  it on any device and pastes back the address the browser was sent to (which fails to load
  there: nothing listens on that device's 127.0.0.1).

The result is authorized-user info (client id and secret, refresh token, token endpoint,
scopes) for ``Bridge.link_info``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import webbrowser
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from google_auth_oauthlib.flow import Flow, InstalledAppFlow
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
TASKS_SCOPE = "https://www.googleapis.com/auth/tasks"
SCOPES = [CALENDAR_SCOPE, TASKS_SCOPE]
PASTE_PORT = 8085           # the redirect address of a pasted sign-in (nothing listens)
SUCCESS = "Signed in. You may close this window and return to gcaldav."


class LoginError(Exception):
    """The sign-in did not complete; the message says why and what to do."""


def client_config(path: str) -> dict:
    """The OAuth client JSON downloaded from the Google Cloud console: a Desktop app (any
    loopback port), or the web pages' Web application client if one of its authorised
    redirect URIs is on the loopback address (that exact one is then used)."""
    try:
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
    except OSError as exc:
        raise LoginError(f"Cannot read the OAuth client file {path}: {exc.strerror}") from None
    except ValueError:
        raise LoginError(f"{path} is not JSON; expected the OAuth client file downloaded from "
                         "the Google Cloud console (Clients → your Desktop client → "
                         "Download JSON).") from None
    kind = next((k for k in ("installed", "web") if isinstance(config, dict)
                 and isinstance(config.get(k), dict)), None)
    if kind is None:
        raise LoginError(f"{path} is not an OAuth client file; `gcaldav login` needs one of "
                         "type Desktop app (its JSON starts with {\"installed\": ...}).")
    missing = [k for k in ("client_id", "client_secret", "auth_uri", "token_uri")
               if not config[kind].get(k)]
    if missing:
        raise LoginError(f"{path} lacks {', '.join(missing)}; download the client's JSON "
                         "again from the Google Cloud console.")
    if kind == "web" and fixed_redirect(config) is None:
        raise LoginError(f"{path} is a Web application client without a loopback redirect "
                         "URI; `gcaldav login` needs a Desktop app client, or add "
                         f"http://127.0.0.1:{PASTE_PORT}/ to this client's authorised "
                         "redirect URIs and download its JSON again.")
    _allow_plain_http_on_loopback(config[kind]["token_uri"])
    return config


def fixed_redirect(config: dict) -> str | None:
    """A Web client's loopback redirect URI (Google accepts only registered ones); None for
    a Desktop client, which may use any loopback port."""
    if "web" not in config:
        return None
    return next((uri for uri in config["web"].get("redirect_uris", [])
                 if urlsplit(uri).scheme == "http" and _is_loopback(urlsplit(uri).hostname)
                 and urlsplit(uri).port and urlsplit(uri).path in ("", "/")
                 and not urlsplit(uri).query), None)


def _is_loopback(host: str | None) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _allow_plain_http_on_loopback(token_uri: str) -> None:
    # oauthlib insists on https; an emulator on this machine is plain http and no network
    # sees that traffic. Granular consent may grant fewer scopes than asked: accept that
    # (the refresh token then carries what was granted).
    os.environ["OAUTHLIB_RELAX_TOKEN_SCOPE"] = "1"
    if _is_loopback(urlsplit(token_uri).hostname) and token_uri.startswith("http://"):
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def loopback(config: dict, *, scopes: list[str] = SCOPES, open_browser: bool = True,
             port: int = 0, timeout: float | None = 600) -> dict:
    """Sign in through a redirect to a one-shot server on 127.0.0.1:``port`` (0: any; a
    Web client's registered loopback URI fixes it)."""
    flow = InstalledAppFlow.from_client_config(config, scopes=scopes)
    browser = open_browser and _has_browser()
    host, fixed = "127.0.0.1", fixed_redirect(config)
    if fixed:
        host, port = urlsplit(fixed).hostname, urlsplit(fixed).port
    try:
        flow.run_local_server(
            host=host, port=port, open_browser=browser, timeout_seconds=timeout,
            redirect_uri_trailing_slash=not fixed or fixed.endswith("/"),
            authorization_prompt_message=(
                ("Your browser has been opened to sign in. If it did not open, visit:\n"
                 if browser else "Open this address in a browser on this machine to sign "
                                 "in:\n") + "{url}\n"),
            success_message=SUCCESS, prompt="consent", access_type="offline")
    except OSError as exc:
        raise LoginError(f"Cannot listen on {host}:{port} for Google's answer "
                         f"({exc.strerror or exc}); choose another --port.") from None
    except Exception as exc:
        raise _refused(exc) from None
    return info_of(flow)


def pasted(config: dict, *, scopes: list[str] = SCOPES, port: int = PASTE_PORT,
           ask: Callable[[str], str] | None = None,
           say: Callable[[str], None] = print) -> dict:
    """Sign in on any device; the person pastes back the address the browser ended on."""
    redirect = fixed_redirect(config) or f"http://127.0.0.1:{port}/"
    port = urlsplit(redirect).port
    flow = Flow.from_client_config(config, scopes=scopes, redirect_uri=redirect)
    url, _ = flow.authorization_url(prompt="consent", access_type="offline")
    say("Open this address in a browser on any device and sign in:\n\n"
        f"{url}\n\n"
        f"Google then sends the browser to {redirect.rstrip('/')}/?state=... which will not "
        "load (\"unable to connect\" is expected). Copy that whole address from the "
        "browser's address bar and paste it here.\n"
        f"(Alternative: `ssh -L {port}:127.0.0.1:{port} THIS-SERVER` from the machine with "
        f"the browser, then run `gcaldav login --port {port} ...` without --no-browser here "
        "and open the address it prints.)\n")
    answer = (ask or input)("Address the browser was sent to: ").strip()
    return finish(flow, answer)


def finish(flow: Flow, answer: str) -> dict:
    """Complete a pasted sign-in from the address the browser was sent to."""
    query = {k: v[-1] for k, v in parse_qs(urlsplit(answer).query).items()}
    if query.get("error"):
        raise LoginError(_denied(query["error"]))
    if "code" not in query or "state" not in query:
        raise LoginError("That is not the address Google sent the browser to: it should start "
                         "with http://127.0.0.1 and contain state= and code=. Run "
                         "`gcaldav login` again.")
    try:
        # oauthlib checks the state against the one it sent and sends the PKCE verifier.
        flow.fetch_token(authorization_response=answer.replace("http://", "https://", 1))
    except Exception as exc:
        raise _refused(exc) from None
    return info_of(flow)


def info_of(flow: Flow) -> dict:
    """Authorized-user info from a completed flow (the granted scopes, not the asked)."""
    creds = flow.credentials
    if not creds.refresh_token:
        raise LoginError("Google sent no refresh token (offline access was not granted); "
                         "remove gcaldav's access at https://myaccount.google.com/permissions "
                         "and sign in again.")
    info = {"type": "authorized_user", "client_id": creds.client_id,
            "client_secret": creds.client_secret, "refresh_token": creds.refresh_token,
            "token_uri": creds.token_uri}
    scopes = creds.granted_scopes or creds.scopes
    if scopes:
        info["scopes"] = list(scopes)
    if CALENDAR_SCOPE not in (scopes or [CALENDAR_SCOPE]):
        raise LoginError("Access to Google Calendar was not granted (its box on Google's "
                         "consent page was unticked); sign in again and allow it.")
    return info


def _refused(exc: Exception) -> LoginError:
    """A message for a failed exchange, without the code, tokens or secrets."""
    name = type(exc).__name__
    if name == "MismatchingStateError":
        return LoginError("The answer belongs to another sign-in (its state does not match "
                          "this one): possibly a forged link. Run `gcaldav login` again and "
                          "use the address it prints.")
    if name == "AccessDeniedError":
        return LoginError(_denied("access_denied"))
    if name == "WSGITimeoutError":
        return LoginError("No answer from the browser in time; run `gcaldav login` again.")
    if isinstance(exc, OAuth2Error):
        said = f"{exc.error}" + (f": {exc.description}" if exc.description else "")
        hint = ("sign-in codes are single-use and expire after minutes, and must come from "
                "this run of the command" if exc.error == "invalid_grant" else
                "check that the OAuth client file is current (a deleted or reset client "
                "must be downloaded again)" if exc.error in ("invalid_client",
                                                             "deleted_client") else
                "see docs/setup.md")
        return LoginError(f"Google refused the sign-in ({said}); {hint}. Run `gcaldav login` "
                          "again.")
    if isinstance(exc, Warning):
        return LoginError(f"Google's answer did not match the request ({exc}).")
    return LoginError(f"The sign-in failed: {name}: {exc}")


def _denied(error: str) -> str:
    if error == "access_denied":
        return "Access was denied on Google's consent page; nothing was linked."
    return f"Google answered {error}; nothing was linked. Run `gcaldav login` again."


def _has_browser() -> bool:
    try:
        webbrowser.get()
        return True
    except webbrowser.Error:
        return False
