"""`gcaldav link` with each token file people have, end to end: the command links, syncs
and the bridge serves the account's calendar; anything else is refused with what was
expected, never a secret."""

from __future__ import annotations

import json

import pytest

from gcaldav.cli import main
from gcaldav.configfile import bridge_config
from tests.bridge.google.test_credential_shapes import (gcloud_adc, google_auth_to_json,
                                                        oauthlib_tool)

SHAPES = {
    "gcloud application-default": gcloud_adc,
    "google-auth to_json()": google_auth_to_json,
    "google-oauthlib-tool": oauthlib_tool,
    "google-oauthlib-tool --save": lambda account: oauthlib_tool(account, saved=True),
    "emulator / gcaldav's own": lambda account: account,
}


@pytest.fixture
def config(tmp_path, emulator):
    (tmp_path / "users").write_text("alice:secret\n")
    path = tmp_path / "gcaldav.conf"
    path.write_text(bridge_config(htpasswd=tmp_path / "users", data_dir=tmp_path / "data",
                                  api=emulator.emulator.api_url,
                                  token_uri=emulator.emulator.token_url))
    return path


@pytest.mark.parametrize("shape", SHAPES)
def test_link_accepts_the_token_files_people_have(config, tmp_path, new_account, shape, capsys):
    account = new_account("shape")
    path = tmp_path / "token.json"
    path.write_text(json.dumps(SHAPES[shape](account)))
    assert main(["link", "--config", str(config), "alice", str(path)]) == 0, \
        capsys.readouterr().err
    assert capsys.readouterr().out.startswith("linked alice:")
    assert main(["accounts", "--config", str(config), "alice"]) == 0
    assert f"alice: {account['account']}  [ok]" in capsys.readouterr().out


def test_link_with_a_service_account_and_subject(config, tmp_path, control, new_account,
                                                 capsys):
    account = new_account("delegated")["account"]
    key = control.post("/service-accounts", {"email": "bridge@corp.iam.gserviceaccount.com"})
    (tmp_path / "sa.json").write_text(json.dumps(key))
    assert main(["link", "--config", str(config), "alice", str(tmp_path / "sa.json"),
                 "--subject", account]) == 0
    assert main(["accounts", "--config", str(config)]) == 0
    assert f"alice: {account}  [ok]" in capsys.readouterr().out


def test_other_files_are_refused_with_what_was_expected(config, tmp_path, control, capsys):
    client = control.post("/oauth-clients", {"type": "installed"})
    for content, expected in ((client, "sign in with it using `gcaldav login`"),
                              ({"access_token": "ya29.secret"}, "Expected an authorized-user"),
                              ([1, 2], "found a JSON list")):
        (tmp_path / "bad.json").write_text(json.dumps(content))
        assert main(["link", "--config", str(config), "alice", str(tmp_path / "bad.json")]) == 1
        err = capsys.readouterr().err
        assert expected in err, err
        assert "ya29.secret" not in err and client["installed"]["client_secret"] not in err
