"""Access-token refresh: proactive, after Google answered 401, and its failures (permanent
refusals versus a token endpoint that is down), against the emulator's real token endpoint."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest

from bridge.google import CredentialsRefused, GoogleClient, Unavailable, credentials
from tests.support import free_port

TOKEN = "oauth.token"


def list_calendars(client):
    return client.call(lambda s: s.calendarList().list())


def observed(client) -> list:
    seen = []
    client.observers.append(lambda method, outcome, seconds: seen.append((method, outcome)))
    return seen


def test_one_refresh_serves_many_calls(control, client, waits):
    for _ in range(3):
        list_calendars(client)
    assert control.calls()[TOKEN] == 1 and waits == []


def test_a_token_google_stopped_accepting_is_renewed_once(control, client, waits):
    list_calendars(client)
    seen = observed(client)
    control.post("/tokens/expire")
    assert list_calendars(client)["items"]
    assert seen == [("calendarList.list", "401"), (TOKEN, "ok"), ("calendarList.list", "ok")]
    assert waits == []


def test_sign_in_revoked_by_the_user_is_refused_for_good(emulator, control, client, alice,
                                                         waits):
    list_calendars(client)
    form = urllib.parse.urlencode({"token": alice["refresh_token"]}).encode()
    with urllib.request.urlopen(emulator.base_url + "/revoke", data=form, timeout=30) as answer:
        assert answer.status == 200
    control.post("/tokens/expire")
    seen = observed(client)
    with pytest.raises(CredentialsRefused) as caught:
        list_calendars(client)
    assert caught.value.reason == "invalid_grant"
    assert seen == [("calendarList.list", "401"), (TOKEN, "400")]
    assert waits == []


def test_unknown_refresh_token_is_refused_for_good(control, make_client, alice, waits):
    revoked = dict(alice, refresh_token="1//0g-revoked-refresh-token")
    client = make_client(revoked)
    seen = observed(client)
    with pytest.raises(CredentialsRefused) as caught:
        list_calendars(client)
    error = caught.value
    assert (error.status, error.reason) == (401, "invalid_grant")
    assert "sign in again with `gcaldav login`" in str(error)
    assert "expired or revoked" in str(error)
    assert revoked["refresh_token"] not in str(error)
    assert alice["client_secret"] not in str(error)
    assert seen == [(TOKEN, "400")]         # one token request, no API call, no wait
    assert waits == [] and control.calls().get("calendarList.list", 0) == 0


def test_wrong_client_secret_is_refused_for_good(make_client, alice, waits):
    wrong = dict(alice, client_secret="GOCSPX-not-the-secret")
    with pytest.raises(CredentialsRefused) as caught:
        list_calendars(make_client(wrong))
    assert caught.value.reason == "invalid_client"
    assert "GOCSPX-not-the-secret" not in str(caught.value)
    assert waits == []


def test_service_account_without_delegation_is_refused(control, make_client, waits):
    key = control.post("/service-accounts", {})
    client = make_client(key, subject="nobody-here@example.com")
    with pytest.raises(CredentialsRefused) as caught:
        list_calendars(client)
    assert caught.value.reason == "unauthorized_client"
    assert "service account" in str(caught.value)
    assert key["private_key"] not in str(caught.value)
    assert waits == []


def test_unreachable_token_endpoint_is_transient(alice, emulator, waits):
    info = credentials.parse_info(alice)
    creds = credentials.build(info, token_uri=f"http://127.0.0.1:{free_port()}/token")
    client = GoogleClient(creds, api_endpoint=emulator.emulator.api_url, sleep=waits,
                          max_attempts=3)
    seen = observed(client)
    with pytest.raises(Unavailable) as caught:
        list_calendars(client)
    assert "token endpoint" in str(caught.value)
    assert seen == [(TOKEN, "no_answer")] * 3
    assert len(waits) == 2          # retried with the normal backoff, through the seam


def test_token_endpoint_503_is_transient_then_recovers(control, client, waits):
    control.post("/faults", {"kind": "error", "status": 503, "method": TOKEN, "count": 2})
    seen = observed(client)
    assert list_calendars(client)["items"]
    assert seen[:3] == [(TOKEN, "503"), (TOKEN, "503"), (TOKEN, "ok")]
    assert len(waits) == 2


def test_token_endpoint_503_that_persists_is_unavailable_not_refused(control, make_client,
                                                                     alice, waits):
    client = make_client(alice, max_attempts=2)
    control.post("/faults", {"kind": "error", "status": 503, "method": TOKEN, "count": 5})
    with pytest.raises(Unavailable) as caught:
        list_calendars(client)
    assert not isinstance(caught.value, CredentialsRefused)
    assert caught.value.status == 503 and len(waits) == 1
