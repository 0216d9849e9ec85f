"""OAuth 2.0 authorization-code flows against the emulator over real HTTP: the installed-app
loopback flow and the pasted-URL / web-server flows of the real google-auth-oauthlib, the
consent page driven by a plain HTTP client, and Google's refusals (bad client, redirect URI,
scope, code, verifier; revoked and expired refresh tokens).

This module runs its own emulator: it moves the OAuth clock and switches automatic consent.
"""

import base64
import hashlib
import logging
import queue
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

import google_auth_httplib2
import httplib2
import pytest
import requests
from google.auth import jwt
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow, InstalledAppFlow
from googleapiclient.discovery import build
from oauthlib.oauth2.rfc6749.errors import AccessDeniedError, MismatchingStateError

from emulator import EmulatorServer
from tests.emulator.consent_browser import ConsentForm, consent

CALENDAR = "https://www.googleapis.com/auth/calendar"
TASKS = "https://www.googleapis.com/auth/tasks"
WEB_CALLBACK = "https://bridge.example.com/oauth/callback"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode()
CHALLENGE = CHALLENGE.rstrip("=")


@pytest.fixture(scope="module")
def emulator():
    """Overrides the session emulator for this module (conftest fixtures use this one)."""
    server = EmulatorServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def insecure_transport(monkeypatch):
    """oauthlib refuses plain http unless told; the emulator is loopback http."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def installed(control):
    return control.post("/oauth-clients", {"type": "installed", "name": "gcaldav test"})


@pytest.fixture
def web(control):
    return control.post("/oauth-clients", {"type": "web", "redirect_uris": [WEB_CALLBACK]})


@pytest.fixture
def user(new_account):
    return new_account("consent")["account"]


def calendar_service(emulator, credentials):
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=30))
    return build("calendar", "v3", http=http, static_discovery=True,
                 client_options={"api_endpoint": emulator.emulator.api_url})


def query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def authorize_url(secrets: dict, redirect_uri: str, **params) -> str:
    info = next(iter(secrets.values()))
    base = {"response_type": "code", "client_id": info["client_id"],
            "redirect_uri": redirect_uri, "scope": CALENDAR, "state": "s-1",
            "code_challenge": CHALLENGE, "code_challenge_method": "S256",
            "access_type": "offline", "prompt": "consent"}
    return info["auth_uri"] + "?" + urlencode({k: v for k, v in {**base, **params}.items()
                                               if v is not None})


def approve(secrets: dict, user: str, redirect_uri: str = "http://127.0.0.1:9/",
            **params) -> dict[str, str]:
    """Consent through the page; the query the browser would carry back to the client."""
    answer = consent(authorize_url(secrets, redirect_uri, **params), account=user)
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"].startswith(redirect_uri)
    return query(answer.headers["Location"])


def exchange(secrets: dict, code: str, redirect_uri: str = "http://127.0.0.1:9/",
             verifier: str | None = VERIFIER, **extra) -> requests.Response:
    info = next(iter(secrets.values()))
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": info["client_id"], "client_secret": info["client_secret"], **extra}
    if verifier is not None:
        form["code_verifier"] = verifier
    return requests.post(info["token_uri"], data={k: v for k, v in form.items()
                                                  if v is not None}, timeout=30)


def refresh(secrets: dict, refresh_token: str) -> requests.Response:
    info = next(iter(secrets.values()))
    return requests.post(info["token_uri"], timeout=30, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": info["client_id"], "client_secret": info["client_secret"]})


def error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["error_description"]


class PromptCatcher(logging.Handler):
    """run_local_server logs its authorization prompt; this hands the URL to the test."""

    def __init__(self):
        super().__init__()
        self.urls: queue.Queue[str] = queue.Queue()

    def emit(self, record):
        self.urls.put(record.getMessage())


# --- the client-secrets JSON ---------------------------------------------------------------------

def test_clients_come_in_googles_download_shape(emulator, installed, web, control):
    info = installed["installed"]
    assert set(info) >= {"client_id", "client_secret", "auth_uri", "token_uri",
                         "redirect_uris", "project_id", "auth_provider_x509_cert_url"}
    assert info["client_id"].endswith(".apps.googleusercontent.com")
    assert info["client_secret"].startswith("GOCSPX-")
    assert info["auth_uri"] == emulator.base_url + "/o/oauth2/auth"
    assert info["token_uri"] == emulator.base_url + "/token"
    assert info["redirect_uris"] == ["http://localhost"]
    assert list(web) == ["web"] and web["web"]["redirect_uris"] == [WEB_CALLBACK]
    for bad in ({"type": "web"}, {"type": "web", "redirect_uris": ["http://box.lan/cb"]},
                {"type": "web", "redirect_uris": ["https://x.example.com/cb#frag"]},
                {"type": "tv"}):
        status, body = control.request("POST", "/oauth-clients", bad)
        assert status == 400, bad


# --- installed app: loopback and pasted URL ------------------------------------------------------

def test_installed_app_flow_through_the_loopback_server(emulator, installed, user, control):
    catcher = PromptCatcher()
    logger = logging.getLogger("google_auth_oauthlib.flow")
    logger.addHandler(catcher)
    logger.setLevel(logging.INFO)
    flow = InstalledAppFlow.from_client_config(installed, scopes=[CALENDAR])
    result: dict = {}

    def run():
        try:
            result["credentials"] = flow.run_local_server(
                open_browser=False, port=0, authorization_prompt_message="{url}",
                timeout_seconds=60, prompt="consent")
        except Exception as exc:      # reported by the assertion below
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        url = catcher.urls.get(timeout=30)
    finally:
        logger.removeHandler(catcher)
    params = query(url)
    assert params["code_challenge_method"] == "S256" and params["access_type"] == "offline"
    answer = consent(url, account=user)
    assert answer.status_code == 302
    landing = requests.get(answer.headers["Location"], timeout=30)     # the loopback server
    assert landing.status_code == 200
    thread.join(timeout=60)
    assert "error" not in result, result.get("error")
    creds = result["credentials"]
    assert creds.refresh_token and creds.token_uri == emulator.emulator.token_url
    assert creds.granted_scopes == [CALENDAR]

    svc = calendar_service(emulator, creds)
    assert [e["id"] for e in svc.calendarList().list().execute()["items"]] == [user]
    control.post("/tokens/expire")
    assert svc.calendars().get(calendarId="primary").execute()["id"] == user   # refreshed
    grants = control.get("/oauth/grants")["grants"]
    mine = [g for g in grants if g["client_id"] == installed["installed"]["client_id"]]
    assert [(g["account"], g["offline"], g["alive"]) for g in mine] == [(user, True, True)]


def test_pasted_redirect_url_completes_the_same_flow(emulator, installed, user):
    flow = Flow.from_client_config(installed, scopes=[CALENDAR],
                                   redirect_uri="http://127.0.0.1:8765/")
    url, state = flow.authorization_url(prompt="consent")
    answer = consent(url, account=user)
    pasted = answer.headers["Location"]
    assert query(pasted)["state"] == state and query(pasted)["code"].startswith("4/")
    flow.fetch_token(authorization_response=pasted.replace("http://", "https://", 1))
    svc = calendar_service(emulator, flow.credentials)
    assert svc.calendars().get(calendarId="primary").execute()["id"] == user


def test_web_flow_rebuilt_at_the_callback_from_state_and_verifier(emulator, web, user):
    start = Flow.from_client_config(web, scopes=[CALENDAR], redirect_uri=WEB_CALLBACK)
    url, state = start.authorization_url(prompt="consent", include_granted_scopes="true")
    callback = consent(url, account=user).headers["Location"]
    assert callback.startswith(WEB_CALLBACK + "?")
    finish = Flow.from_client_config(web, scopes=[CALENDAR], redirect_uri=WEB_CALLBACK,
                                     state=state, code_verifier=start.code_verifier)
    finish.fetch_token(authorization_response=callback)
    assert finish.credentials.refresh_token
    svc = calendar_service(emulator, finish.credentials)
    assert svc.calendarList().list().execute()["items"][0]["id"] == user


def test_deny_redirects_with_access_denied(installed, user):
    flow = Flow.from_client_config(installed, scopes=[CALENDAR],
                                   redirect_uri="http://127.0.0.1:8765/")
    url, state = flow.authorization_url()
    answer = consent(url, account=user, button="deny")
    assert answer.status_code == 302
    assert query(answer.headers["Location"]) == {"error": "access_denied", "state": state}
    with pytest.raises(AccessDeniedError):
        flow.fetch_token(authorization_response=answer.headers["Location"])


def test_a_foreign_state_is_caught_by_the_client_library(installed, user):
    flow = Flow.from_client_config(installed, scopes=[CALENDAR],
                                   redirect_uri="http://127.0.0.1:8765/")
    url, state = flow.authorization_url()
    location = consent(url, account=user).headers["Location"]
    assert query(location)["state"] == state                 # passed through unchanged
    forged = location.replace(f"state={state}", "state=forged")
    with pytest.raises(MismatchingStateError):
        flow.fetch_token(authorization_response=forged)


# --- the consent page ----------------------------------------------------------------------------

def test_page_lists_accounts_and_login_hint_preselects(installed, user, new_account):
    other = new_account("other")["account"]
    page = requests.get(authorize_url(installed, "http://localhost:1234/cb", login_hint=other),
                        timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    form = ConsentForm(page.text)
    assert {user, other} <= set(form.accounts)
    assert [e for e, checked in form.accounts.items() if checked] == [other]
    assert set(form.buttons) == {"allow", "deny"} and "request_id" in form.hidden


def test_an_answered_page_cannot_be_submitted_again(installed, user):
    session = requests.Session()
    page = session.get(authorize_url(installed, "http://127.0.0.1:9/"), timeout=30)
    form = ConsentForm(page.text)
    data = form.submit_data("allow", user, set())
    first = session.post(page.url, data=data, allow_redirects=False, timeout=30)
    again = session.post(page.url, data=data, allow_redirects=False, timeout=30)
    assert first.status_code == 302
    assert again.status_code == 400 and "Location" not in again.headers


def test_granular_consent_lets_the_user_refuse_a_scope(installed, user):
    answer = consent(authorize_url(installed, "http://127.0.0.1:9/",
                                   scope=f"{CALENDAR} {TASKS}"),
                     account=user, untick={TASKS})
    granted = query(answer.headers["Location"])
    assert granted["scope"] == CALENDAR
    token = exchange(installed, granted["code"]).json()
    assert token["scope"] == CALENDAR


def test_openid_email_adds_an_id_token(installed, user):
    granted = approve(installed, user, scope=f"openid email {CALENDAR}")
    expanded = {"openid", "https://www.googleapis.com/auth/userinfo.email", CALENDAR}
    assert set(granted["scope"].split()) == expanded
    tokens = exchange(installed, granted["code"]).json()
    claims = jwt.decode(tokens["id_token"], verify=False)
    assert claims["email"] == user and claims["aud"] == installed["installed"]["client_id"]
    assert claims["iss"] == "https://accounts.google.com"


def test_automatic_consent_redirects_at_once(installed, user, control):
    control.post("/oauth/consent", {"account": user})
    try:
        answer = requests.get(authorize_url(installed, "http://127.0.0.1:9/"),
                              allow_redirects=False, timeout=30)
    finally:
        control.delete("/oauth/consent")
    assert answer.status_code == 302
    assert exchange(installed, query(answer.headers["Location"])["code"]).status_code == 200


def test_refresh_token_only_with_offline_access_and_consent(installed, user):
    online = approve(installed, user, access_type=None)
    assert "refresh_token" not in exchange(installed, online["code"]).json()
    silent = approve(installed, user, prompt=None)        # consented before: no consent screen
    assert silent["prompt"] == "none"
    assert "refresh_token" not in exchange(installed, silent["code"]).json()
    again = approve(installed, user)                       # prompt=consent
    assert exchange(installed, again["code"]).json()["refresh_token"]


# --- refusals at the authorization endpoint ------------------------------------------------------

def page_error(url: str) -> tuple[int, str]:
    page = requests.get(url, allow_redirects=False, timeout=30)
    assert "Location" not in page.headers, "Google shows these errors, it never redirects"
    code = page.text.split('id="error-code">')[1].split("<")[0]
    return page.status_code, code


def test_unknown_client_is_an_error_page(installed):
    bogus = {"installed": dict(installed["installed"],
                               client_id="123-nope.apps.googleusercontent.com")}
    assert page_error(authorize_url(bogus, "http://127.0.0.1:9/")) == (401, "invalid_client")


def test_redirect_uri_rules(installed, web):
    assert page_error(authorize_url(web, "http://localhost:8080/")) == (
        400, "redirect_uri_mismatch")
    assert page_error(authorize_url(web, WEB_CALLBACK + "/")) == (400, "redirect_uri_mismatch")
    assert page_error(authorize_url(installed, "https://evil.example.com/cb")) == (
        400, "redirect_uri_mismatch")
    assert page_error(authorize_url(installed, "urn:ietf:wg:oauth:2.0:oob")) == (
        400, "invalid_request")
    for loopback in ("http://127.0.0.1:53121/", "http://localhost:8080/cb", "http://[::1]:4/"):
        assert requests.get(authorize_url(installed, loopback), timeout=30).status_code == 200


def test_bad_parameters_are_error_pages(installed):
    url = lambda **p: authorize_url(installed, "http://127.0.0.1:9/", **p)  # noqa: E731
    assert page_error(url(scope=f"{CALENDAR} https://www.googleapis.com/auth/drive")) == (
        400, "invalid_scope")
    assert page_error(url(response_type="token")) == (400, "unsupported_response_type")
    assert page_error(url(scope=None)) == (400, "invalid_request")
    assert page_error(url(code_challenge_method="S512")) == (400, "invalid_request")
    assert page_error(url(approval_prompt="auto", prompt=None)) == (400, "invalid_request")


# --- refusals at the token endpoint --------------------------------------------------------------

def test_reused_code_is_refused_and_revokes_what_it_gave(emulator, installed, user):
    code = approve(installed, user)["code"]
    first = exchange(installed, code)
    assert first.status_code == 200
    tokens = first.json()
    assert error_of(exchange(installed, code)) == (400, "invalid_grant", "Bad Request")
    assert error_of(refresh(installed, tokens["refresh_token"])) == (
        400, "invalid_grant", "Token has been expired or revoked.")
    api = requests.get(emulator.emulator.api_url + "users/me/calendarList", timeout=30,
                       headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert api.status_code == 401


def test_code_verifier_is_checked(installed, user):
    code = approve(installed, user)["code"]
    assert error_of(exchange(installed, code, verifier=None)) == (
        400, "invalid_grant", "Missing code verifier.")
    assert error_of(exchange(installed, code, verifier="w" * 64)) == (
        400, "invalid_grant", "Invalid code verifier.")
    assert exchange(installed, code).status_code == 200


def test_plain_challenge_and_no_challenge(installed, user):
    plain = approve(installed, user, code_challenge=VERIFIER, code_challenge_method="plain")
    assert exchange(installed, plain["code"]).status_code == 200
    none = approve(installed, user, code_challenge=None, code_challenge_method=None)
    assert exchange(installed, none["code"], verifier=None).status_code == 200


def test_redirect_uri_must_repeat_the_authorization_one(installed, user):
    code = approve(installed, user, redirect_uri="http://127.0.0.1:9/")["code"]
    assert error_of(exchange(installed, code, redirect_uri="http://127.0.0.1:10/")) == (
        400, "invalid_grant", "Bad Request")
    assert error_of(exchange(installed, code, redirect_uri="https://evil.example.com/")) == (
        400, "redirect_uri_mismatch", "Bad Request")
    assert exchange(installed, code, redirect_uri="http://127.0.0.1:9/").status_code == 200


def test_client_authentication(installed, web, user):
    code = approve(installed, user)["code"]
    assert error_of(exchange(installed, code, client_secret="")) == (
        400, "invalid_request", "client_secret is missing.")
    assert error_of(exchange(installed, code, client_secret="GOCSPX-wrong")) == (
        401, "invalid_client", "Unauthorized")
    assert error_of(exchange(installed, code, client_id="1-x.apps.googleusercontent.com")) == (
        401, "invalid_client", "The OAuth client was not found.")
    assert error_of(exchange(web, code, redirect_uri=WEB_CALLBACK)) == (
        400, "invalid_grant", "Bad Request")          # a code of another client
    assert error_of(exchange(installed, "garbage")) == (
        400, "invalid_grant", "Malformed auth code.")


def test_code_expires_after_ten_minutes(installed, user, control):
    code = approve(installed, user)["code"]
    control.post("/oauth/clock", {"advance": 601})
    assert error_of(exchange(installed, code)) == (400, "invalid_grant", "Bad Request")


def test_refresh_scope_must_be_granted(installed, user):
    tokens = exchange(installed, approve(installed, user)["code"]).json()
    info = installed["installed"]
    answer = requests.post(info["token_uri"], timeout=30, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "scope": f"{CALENDAR} {TASKS}", "client_id": info["client_id"],
        "client_secret": info["client_secret"]})
    assert error_of(answer)[:2] == (400, "invalid_scope")


def test_token_endpoint_faults_are_injectable(installed, user, control):
    tokens = exchange(installed, approve(installed, user)["code"]).json()
    control.post("/faults", {"kind": "error"})          # for API methods only
    control.post("/faults", {"kind": "error", "method": "oauth.token", "status": 503})
    assert error_of(refresh(installed, tokens["refresh_token"]))[:2] == (
        503, "temporarily_unavailable")
    assert refresh(installed, tokens["refresh_token"]).status_code == 200
    assert control.get("/faults")["faults"][0]["method"] is None


# --- revocation and expiry -----------------------------------------------------------------------

def user_credentials(secrets: dict, tokens: dict) -> Credentials:
    info = next(iter(secrets.values()))
    return Credentials(token=None, refresh_token=tokens["refresh_token"],
                       client_id=info["client_id"], client_secret=info["client_secret"],
                       token_uri=info["token_uri"], scopes=[CALENDAR])


def test_user_revoking_access_kills_the_refresh_token(emulator, installed, user, control):
    tokens = exchange(installed, approve(installed, user)["code"]).json()
    svc = calendar_service(emulator, user_credentials(installed, tokens))
    svc.calendarList().list().execute()
    assert control.post("/oauth/revoke", {"account": user})["revoked"] >= 1
    with pytest.raises(RefreshError) as info:       # the access token died too: 401, refresh
        svc.calendarList().list().execute()
    assert info.value.args[0] == "invalid_grant: Token has been expired or revoked."
    assert info.value.retryable is False
    assert approve(installed, user, prompt=None)["prompt"] == "consent"   # asked again


def test_revocation_endpoint(installed, user, control):
    tokens = exchange(installed, approve(installed, user)["code"]).json()
    info = installed["installed"]
    revoke = info["token_uri"].replace("/token", "/revoke")
    assert requests.get(revoke, params={"token": tokens["access_token"]},
                        timeout=30).status_code == 404
    assert requests.post(revoke, data={"token": tokens["access_token"]},
                         timeout=30).status_code == 200
    assert error_of(refresh(installed, tokens["refresh_token"]))[1] == "invalid_grant"
    again = requests.post(revoke, params={"token": tokens["refresh_token"]}, timeout=30)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_token")


def test_testing_status_refresh_tokens_die_after_seven_days(installed, user, control):
    client_id = installed["installed"]["client_id"]
    control.patch(f"/oauth-clients/{client_id}", {"publishing_status": "testing"})
    tokens = exchange(installed, approve(installed, user)["code"]).json()
    assert tokens["refresh_token_expires_in"] == 604799
    control.post("/oauth/clock", {"advance": 6 * 86400})
    assert refresh(installed, tokens["refresh_token"]).status_code == 200
    control.post("/oauth/clock", {"advance": 86400})
    assert error_of(refresh(installed, tokens["refresh_token"])) == (
        400, "invalid_grant", "Token has been expired or revoked.")


def test_deleted_client(installed, user, control):
    tokens = exchange(installed, approve(installed, user)["code"]).json()
    control.delete(f"/oauth-clients/{installed['installed']['client_id']}")
    assert error_of(refresh(installed, tokens["refresh_token"]))[:2] == (401, "deleted_client")
    assert page_error(authorize_url(installed, "http://127.0.0.1:9/")) == (
        401, "deleted_client")
