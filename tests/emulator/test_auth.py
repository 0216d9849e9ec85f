"""OAuth against the emulator with the real google-auth: refresh on 401, missing / invalid
bearer tokens, scopes, service accounts with domain-wide delegation, stable credentials."""

import json
import urllib.error
import urllib.request

import google_auth_httplib2
import httplib2
import pytest
from google.auth.exceptions import RefreshError
from google.oauth2 import service_account
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

SCOPE = "https://www.googleapis.com/auth/"


def raw_get(emulator, path: str, headers: dict | None = None):
    """A plain HTTP GET on the API (no client library): (status, headers, JSON body)."""
    request = urllib.request.Request(emulator.emulator.api_url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, json.load(exc)


def http_error(request) -> HttpError:
    with pytest.raises(HttpError) as info:
        request.execute()
    return info.value


def build_with(emulator, credentials):
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=30))
    return build("calendar", "v3", http=http, static_discovery=True,
                 client_options={"api_endpoint": emulator.emulator.api_url})


def delegated(emulator, control, subject: str):
    info = control.post("/service-accounts")
    creds = service_account.Credentials.from_service_account_info(
        info, scopes=[SCOPE + "calendar"]).with_subject(subject)
    return build_with(emulator, creds)


def an_event():
    return {"summary": "x", "start": {"date": "2026-06-01"}, "end": {"date": "2026-06-02"}}


# --- refresh ---------------------------------------------------------------------------------

def test_expired_token_is_refreshed_and_the_call_replayed(svc, control):
    assert svc.events().list(calendarId="primary").execute()["kind"] == "calendar#events"
    assert control.calls()["oauth.token"] == 1
    assert control.post("/tokens/expire")["expired"] >= 1
    assert svc.events().list(calendarId="primary").execute()["kind"] == "calendar#events"
    calls = control.calls()
    assert calls["oauth.token"] == 2
    assert calls["events.list"] == 3        # ok, 401, replay


def test_short_token_ttl_is_refreshed_proactively(svc, control):
    try:
        control.post("/settings", {"token_ttl": 60})    # inside google-auth's refresh margin
        svc.events().list(calendarId="primary").execute()
        svc.events().list(calendarId="primary").execute()
    finally:
        control.post("/settings", {"token_ttl": 3600})
    assert control.calls() == {"oauth.token": 2, "events.list": 2}


def test_bad_refresh_token_raises_refresh_error(service_for, alice, control):
    broken = service_for(dict(alice, refresh_token="1//not-a-real-token"))
    with pytest.raises(RefreshError, match="invalid_grant"):
        broken.events().list(calendarId="primary").execute()
    assert "events.list" not in control.calls()


def test_existing_account_gets_the_same_credentials(alice, control):
    again = control.post("/accounts", {"email": alice["account"].upper()})
    assert again["refresh_token"] == alice["refresh_token"]
    assert again["client_id"] == alice["client_id"]
    assert again["token_uri"] == alice["token_uri"]


# --- missing or invalid bearer tokens ----------------------------------------------------------

def test_request_without_token_is_401_required(emulator, alice):
    status, headers, body = raw_get(emulator, "calendars/primary/events")
    assert status == 401
    error = body["error"]
    assert error["code"] == 401 and error["status"] == "UNAUTHENTICATED"
    assert error["errors"][0]["reason"] == "required"
    assert error["errors"][0]["location"] == "Authorization"
    assert error["message"].startswith("Request is missing required authentication credential")


def test_invalid_bearer_is_401_auth_error_with_www_authenticate(emulator, alice):
    status, headers, body = raw_get(emulator, "calendars/primary/events",
                                    {"Authorization": "Bearer ya29.forged"})
    assert status == 401
    assert body["error"]["errors"][0]["reason"] == "authError"
    assert body["error"]["status"] == "UNAUTHENTICATED"
    challenge = headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ") and "error=invalid_token" in challenge


# --- scopes ------------------------------------------------------------------------------------

def test_read_only_events_scope_can_list_but_not_write(service_for, alice):
    svc = service_for(alice, scopes=[SCOPE + "calendar.events.readonly"])
    assert svc.events().list(calendarId="primary").execute()["kind"] == "calendar#events"
    exc = http_error(svc.events().insert(calendarId="primary", body=an_event()))
    assert exc.resp.status == 403
    assert exc.error_details[0]["reason"] == "insufficientPermissions"
    assert "insufficient_scope" in exc.resp.get("www-authenticate", "")
    assert json.loads(exc.content)["error"]["status"] == "PERMISSION_DENIED"
    exc = http_error(svc.calendarList().list())
    assert (exc.resp.status, exc.error_details[0]["reason"]) == (403, "insufficientPermissions")


def test_events_scope_cannot_list_calendars(service_for, alice):
    svc = service_for(alice, scopes=[SCOPE + "calendar.events"])
    assert svc.events().insert(calendarId="primary", body=an_event()).execute()["id"]
    assert http_error(svc.calendarList().list()).resp.status == 403


# --- service accounts -------------------------------------------------------------------------

def test_service_account_impersonates_a_user(emulator, control, alice):
    svc = delegated(emulator, control, alice["account"])
    entries = svc.calendarList().list().execute()["items"]
    primary = [e for e in entries if e.get("primary")]
    assert [e["id"] for e in primary] == [alice["account"]]
    assert primary[0]["accessRole"] == "owner"
    created = svc.events().insert(calendarId="primary", body=an_event()).execute()
    assert created["organizer"]["email"] == alice["account"]
    assert control.calls()["oauth.token"] == 1


def test_service_account_with_unknown_subject_cannot_get_a_token(emulator, control):
    svc = delegated(emulator, control, "nobody-here@example.com")
    with pytest.raises(RefreshError):
        svc.calendarList().list().execute()
    assert "calendarList.list" not in control.calls()
