"""The credential files people have: each accepted shape is normalised and works against the
emulator's token endpoint; everything else is refused with a message that says what was
expected and never contains a secret."""

from __future__ import annotations

import json

import google.oauth2.credentials
import google_auth_httplib2
import httplib2
import pytest

from bridge.google import GoogleClient, credentials
from bridge.google.credentials import CredentialsError, parse_info, read_info

SECRET = "GOCSPX-very-secret-value"
REFRESH = "1//0g-secret-refresh-token"
ACCESS = "ya29.secret-access-token"


def list_calendars(make_client, info, **kw):
    return make_client(info, **kw).call(lambda s: s.calendarList().list())["items"]


def gcloud_adc(account: dict) -> dict:
    """`gcloud auth application-default login` writes this."""
    return {"account": "", "client_id": account["client_id"],
            "client_secret": account["client_secret"], "quota_project_id": "my-project",
            "refresh_token": account["refresh_token"], "type": "authorized_user",
            "universe_domain": "googleapis.com"}


def oauthlib_tool(account: dict, *, saved: bool = False) -> dict:
    """google-oauthlib-tool prints this (``--save`` writes it without ``token``)."""
    out = {"token": ACCESS, "refresh_token": account["refresh_token"],
           "token_uri": account["token_uri"], "client_id": account["client_id"],
           "client_secret": account["client_secret"],
           "scopes": ["https://www.googleapis.com/auth/calendar"]}
    if saved:
        del out["token"]
    return out


def google_auth_to_json(account: dict) -> dict:
    """What google-auth's Credentials.to_json() writes after a refresh."""
    creds = google.oauth2.credentials.Credentials(
        None, refresh_token=account["refresh_token"], client_id=account["client_id"],
        client_secret=account["client_secret"], token_uri=account["token_uri"],
        scopes=["https://www.googleapis.com/auth/calendar"])
    creds.refresh(google_auth_httplib2.Request(httplib2.Http(timeout=30)))
    return json.loads(creds.to_json())


@pytest.mark.parametrize("shape", ["emulator", "gcloud", "tool", "tool_saved", "to_json"])
def test_authorized_user_shapes_are_accepted_and_work(emulator, alice, shape):
    info = {"emulator": lambda: alice, "gcloud": lambda: gcloud_adc(alice),
            "tool": lambda: oauthlib_tool(alice),
            "tool_saved": lambda: oauthlib_tool(alice, saved=True),
            "to_json": lambda: google_auth_to_json(alice)}[shape]()
    normal = parse_info(info)
    assert normal["type"] == "authorized_user"
    assert normal["refresh_token"] == alice["refresh_token"]
    assert "token" not in normal and "expiry" not in normal
    # gcloud's file names no token endpoint (Google's is implied): point it at the emulator
    creds = credentials.build(normal, token_uri=alice["token_uri"])
    client = GoogleClient(creds, api_endpoint=emulator.emulator.api_url)
    assert client.call(lambda s: s.calendarList().get(calendarId="primary"))["id"] == \
        alice["account"]


def test_to_json_keeps_scopes_and_account_as_lists(alice):
    normal = parse_info(dict(google_auth_to_json(alice), account="a@example.com",
                             scopes="https://www.googleapis.com/auth/calendar "
                                    "https://www.googleapis.com/auth/tasks"))
    assert normal["scopes"] == ["https://www.googleapis.com/auth/calendar",
                                "https://www.googleapis.com/auth/tasks"]
    assert normal["account"] == "a@example.com"


def test_service_account_key_is_accepted_and_works(control, make_client, alice):
    key = control.post("/service-accounts", {})
    assert parse_info(key) == key
    assert list_calendars(make_client, key, subject=alice["account"])


def test_build_takes_scopes_and_defaults_to_calendar(alice):
    info = parse_info(alice)
    assert credentials.build(info).scopes == ["https://www.googleapis.com/auth/calendar"]
    both = [credentials.CALENDAR_SCOPE, credentials.TASKS_SCOPE]
    assert credentials.build(info, scopes=both).scopes == both


def test_read_info_reads_a_file(tmp_path, alice):
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(gcloud_adc(alice)))
    assert read_info(path)["client_id"] == alice["client_id"]


# --- refusals --------------------------------------------------------------------------------

def user(**changes) -> dict:
    info = {"client_id": "1234.apps.googleusercontent.com", "client_secret": SECRET,
            "refresh_token": REFRESH, "token": ACCESS,
            "token_uri": "https://oauth2.googleapis.com/token"}
    info.update(changes)
    return {k: v for k, v in info.items() if v is not ...}


REFUSED = {
    "list": ([SECRET, REFRESH], "found a JSON list"),
    "string": (REFRESH, "found a JSON string"),
    "empty": ({}, "found an empty JSON object"),
    "unrelated": ({"name": SECRET, "password": REFRESH}, "found fields name, password"),
    "secret as key": ({REFRESH: SECRET}, "1 other field"),
    "no offline access": (user(refresh_token=None), "without offline access"),
    "no refresh token field": (user(refresh_token=...), "without offline access"),
    "no client secret": (user(client_secret=...), "lack client_secret"),
    "client file": ({"installed": {"client_id": "x", "client_secret": SECRET}},
                    "OAuth client file"),
    "workload identity": ({"type": "external_account", "audience": "x"},
                          "workload identity federation"),
    "unknown type": ({"type": "api_key", "key": SECRET}, "Unknown credential \"type\" 'api_key'"),
    "other universe": (user(universe_domain="example.net"), "cannot reach Google Calendar"),
    "bad private key": ({"type": "service_account", "client_email": "sa@p.iam.example",
                         "private_key": "-----BEGIN PRIVATE KEY-----\n" + SECRET},
                        "not a PEM private key"),
    "service account without key": ({"type": "service_account",
                                      "client_email": "sa@p.iam.example"},
                                     "lacks private_key"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_garbage_is_refused_without_secrets(name):
    info, expected = REFUSED[name]
    with pytest.raises(CredentialsError) as caught:
        parse_info(info)
    message = str(caught.value)
    assert expected in message
    for secret in (SECRET, REFRESH, ACCESS):
        assert secret not in message


def test_unreadable_files_are_refused_clearly(tmp_path):
    with pytest.raises(CredentialsError, match="Cannot read credentials"):
        read_info(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"refresh_token": "' + REFRESH)
    with pytest.raises(CredentialsError) as caught:
        read_info(broken)
    assert "is not JSON" in str(caught.value) and REFRESH not in str(caught.value)
