"""The pages' defences over plain HTTP against a running bridge: form tokens, one user kept
out of another's accounts (also by guessing ids), the admin page, rate-limited sign-in,
security headers and cookie flags, nothing secret rendered, and the connect flow's refusals
(a cancelled consent, a state from another session, an account another user linked)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.gcaldav.web_site import PASSWORDS, google_account, site  # noqa: F401
from tests.support import wait_for


@pytest.fixture
def linked(site, control, tmp_path):
    """alice with a Google account linked (through the control API's credentials)."""
    email = google_account(control)
    credentials = tmp_path / "google.json"
    credentials.write_text(json.dumps(control.post("/accounts", {"email": email})))
    site.bridge.link("alice", str(credentials))
    account = site.bridge.accounts("alice")[0]
    work = next(c for c, _ in account.calendars if c.name == "Work")
    return email, account.account.id, work.id


def test_a_form_without_its_token_is_refused(site, linked):
    _, _, work = linked
    alice = site.session("alice")
    for token in (None, "forged"):
        data = {"served": "0"} | ({"csrf": token} if token else {})
        answer = alice.post(f"{site.base}/.gcaldav/calendars/{work}", data=data,
                            allow_redirects=False)
        assert answer.status_code == 400 and "This form has expired" in answer.text
    assert "Work" in site.served_names()
    token = site.csrf(alice, "/.gcaldav/")
    answer = alice.post(f"{site.base}/.gcaldav/calendars/{work}",
                        data={"served": "0", "csrf": token}, allow_redirects=False)
    assert answer.status_code == 303 and "Work" not in site.served_names()


def test_another_user_cannot_see_or_touch_an_account(site, linked):
    email, account_id, work = linked
    bob = site.session("bob")
    token = site.csrf(bob, "/.gcaldav/")
    assert email not in bob.get(site.base + "/.gcaldav/").text
    assert bob.get(f"{site.base}/.gcaldav/accounts/{account_id}/unlink").status_code == 404
    assert bob.post(f"{site.base}/.gcaldav/accounts/{account_id}/unlink",
                    data={"csrf": token}).status_code == 404
    assert bob.post(f"{site.base}/.gcaldav/calendars/{work}",
                    data={"csrf": token, "served": "0"}).status_code == 404
    assert bob.get(site.base + "/.gcaldav/admin").status_code == 403
    assert site.bridge.accounts("alice")[0].account.email == email
    assert "Work" in site.served_names()
    anonymous = requests.get(site.base + "/.gcaldav/setup", allow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].endswith("/signin")


def test_nothing_secret_is_rendered(site, linked):
    alice = site.session("alice")
    stored = site.bridge.credentials.load(linked[1])
    pages = [alice.get(site.base + path).text for path in
             ("/.gcaldav/", "/.gcaldav/connect", "/.gcaldav/setup", "/.gcaldav/admin")]
    for secret in (stored["refresh_token"], stored["client_secret"],
                   site.client["web"]["client_secret"], PASSWORDS["alice"]):
        assert not any(secret in page for page in pages)


def test_sign_in_attempts_are_rate_limited(site):
    http = requests.Session()
    for _ in range(5):
        answer = http.post(site.base + "/.gcaldav/signin", data={
            "csrf": site.csrf(http, "/.gcaldav/signin"), "user": "alice", "password": "wrong"})
        assert answer.status_code == 401 and "Wrong user name or password" in answer.text
    answer = http.post(site.base + "/.gcaldav/signin", data={
        "csrf": site.csrf(http, "/.gcaldav/signin"), "user": "alice",
        "password": PASSWORDS["alice"]})
    assert answer.status_code == 429 and "Too many failed sign-ins" in answer.text
    answer = http.post(site.base + "/.gcaldav/signin", data={    # per address too
        "csrf": site.csrf(http, "/.gcaldav/signin"), "user": "bob", "password": PASSWORDS["bob"]})
    assert answer.status_code == 429


def test_pages_send_strict_headers_and_a_private_cookie(site):
    answer = requests.get(site.base + "/.gcaldav/signin")
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy \
        and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert answer.headers["Referrer-Policy"] == "no-referrer"     # the callback carries a code
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=3600" in cookie
    assert "Secure" not in cookie                                  # plain http here


def test_a_cancelled_consent_links_nothing(site, control):
    email = google_account(control)
    alice = site.session("alice")
    control.post("/oauth/consent", {"account": email, "action": "deny"})
    try:
        answer = alice.post(site.base + "/.gcaldav/connect",
                            data={"csrf": site.csrf(alice, "/.gcaldav/connect")})
    finally:
        control.delete("/oauth/consent")
    assert answer.status_code == 400 and "access_denied" in answer.text
    assert site.bridge.accounts("alice") == []


def test_a_state_from_another_session_is_refused(site, control):
    email = google_account(control)
    alice, bob = site.session("alice"), site.session("bob")
    start = alice.post(site.base + "/.gcaldav/connect", allow_redirects=False,
                       data={"csrf": site.csrf(alice, "/.gcaldav/connect")})
    control.post("/oauth/consent", {"account": email})
    try:
        callback = requests.get(start.headers["Location"], allow_redirects=False)
    finally:
        control.delete("/oauth/consent")
    answer = bob.get(callback.headers["Location"])        # bob's browser, alice's code
    assert answer.status_code == 400 and "not started from this session" in answer.text
    assert site.bridge.accounts("bob") == [] and site.bridge.accounts("alice") == []


def test_an_account_linked_by_another_user_is_refused(site, control, linked):
    email = linked[0]
    bob = site.session("bob")
    control.post("/oauth/consent", {"account": email})
    try:
        progress = bob.post(site.base + "/.gcaldav/connect",
                            data={"csrf": site.csrf(bob, "/.gcaldav/connect")})
    finally:
        control.delete("/oauth/consent")
    assert "/.gcaldav/connect/" in progress.url
    page = wait_for(lambda: (lambda t: 'id="error"' in t and t)(bob.get(progress.url).text),
                    what="the refusal on the progress page")
    assert "already linked to another user" in page
    assert site.bridge.accounts("bob") == []


def test_without_a_client_the_connect_page_says_what_to_configure(site):
    site.server.stop()
    config = site.server.config_path
    config.write_text(config.read_text().replace("oauth_client_secrets", "#"))
    site.server.start()
    alice = site.session("alice")
    assert "administrator sets oauth_client_secrets" in \
        alice.get(site.base + "/.gcaldav/connect").text


def test_a_client_google_refuses_is_explained(site, control, tmp_path):
    email = google_account(control)
    wrong = {"web": {**site.client["web"], "client_secret": "GOCSPX-not-the-secret"}}
    (tmp_path / "client_secret.json").write_text(json.dumps(wrong))
    site.server.restart()                                   # the file is read at start
    alice = site.session("alice")
    control.post("/oauth/consent", {"account": email})
    try:
        answer = alice.post(site.base + "/.gcaldav/connect",
                            data={"csrf": site.csrf(alice, "/.gcaldav/connect")})
    finally:
        control.delete("/oauth/consent")
    assert answer.status_code == 400 and "Google refused the sign-in (invalid_client)" in \
        answer.text and "GOCSPX-not-the-secret" not in answer.text
    assert site.bridge.accounts("alice") == []
