"""Credentials that stop working: Google (the emulator) revokes the bridge's access; the
account is marked once, `gcaldav status`, /healthz and /metrics say so, writes answer 503
with what to do, reads keep the cache; a new `gcaldav login` fixes it in the running server."""

from __future__ import annotations

import json
import logging
import re

import pytest

from gcaldav.cli import main
from gcaldav.configfile import bridge_config
from tests.emulator.consent_browser import consent
from tests.radicale_plugin.conftest import BridgeServer

URL = re.compile(r"(http://\S+/o/oauth2/auth\?\S+)")


def event(uid: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260610T090000Z\r\n"
            f"DTEND:20260610T100000Z\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def linked(tmp_path, emulator, new_account, control):
    account = new_account("revoked")
    (tmp_path / "users").write_text("alice:secret\n")
    config = tmp_path / "gcaldav.conf"
    config.write_text(bridge_config(
        htpasswd=tmp_path / "users", data_dir=tmp_path / "data", api=emulator.emulator.api_url,
        token_uri=emulator.emulator.token_url, freshness=0.01))
    (tmp_path / "google.json").write_text(json.dumps(account))
    assert main(["link", "--config", str(config), "alice", str(tmp_path / "google.json")]) == 0
    server = BridgeServer(config).start()
    yield server, account["account"], config
    server.stop()


def test_a_revoked_sign_in_is_reported_and_a_new_login_fixes_it(
        linked, control, capsys, caplog, monkeypatch, tmp_path):
    server, email, config = linked
    calendar_url = server.calendar_url(email)
    assert server.session.put(calendar_url + "before.ics", data=event("before")).status_code \
        in (201, 204)
    control.post("/oauth/revoke", {"account": email})
    caplog.set_level(logging.WARNING, logger="bridge.accounts")

    for attempt in ("first", "second"):
        refused = server.session.put(calendar_url + f"{attempt}.ics", data=event(attempt))
        assert refused.status_code == 503, refused.text
        assert "sign in again (`gcaldav login USER`" in refused.text
        assert refused.headers.get("Retry-After")
    marked = [r for r in caplog.records if "no longer accepts the sign-in" in r.getMessage()]
    assert len(marked) == 1 and "gcaldav login alice" in marked[0].getMessage()
    assert "before.ics" in server.session.request(               # reads: from the cache
        "PROPFIND", calendar_url, headers={"Depth": "1"}).text

    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    status = capsys.readouterr().out
    assert f"NEEDS SIGN-IN: Google no longer accepts the sign-in of {email}" in status
    assert f"`gcaldav login --config {config} alice`" in status
    health = server.session.get(server.url + "/healthz")
    account_id = server.bridge.store.accounts("alice")[0].id
    assert health.status_code == 200
    assert health.json()["accounts_needing_sign_in"] == [account_id]
    metrics = server.session.get(server.url + "/metrics").text
    assert 'gcaldav_accounts{state="needs_sign_in"} 1.0' in metrics

    # A new sign-in, from another process's point of view: the command's own bridge.
    client = control.post("/oauth-clients", {"type": "installed"})
    (tmp_path / "client.json").write_text(json.dumps(client))
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "")
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "")
    monkeypatch.setattr("builtins.input", lambda prompt: consent(
        URL.search(capsys.readouterr().out).group(1), account=email).headers["Location"])
    assert main(["login", "--config", str(config), "alice", "--no-browser",
                 "--client-secrets", str(tmp_path / "client.json")]) == 0

    fixed = server.session.put(calendar_url + "after.ics", data=event("after"))
    assert fixed.status_code in (201, 204), fixed.text      # no restart
    assert server.session.get(server.url + "/healthz").json()["accounts_needing_sign_in"] \
        == []
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    assert "NEEDS SIGN-IN" not in capsys.readouterr().out
