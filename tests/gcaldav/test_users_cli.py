"""`gcaldav user add|passwd|remove` (bcrypt in the htpasswd file), the example configuration
serving on a fresh install, and the modes of everything secret whatever the umask."""

from __future__ import annotations

import io
import json
import os
import re
import stat
from pathlib import Path

import bcrypt
import pytest
import requests

from gcaldav.cli import main
from tests.radicale_plugin.conftest import BridgeServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh(tmp_path, emulator):
    """config/gcaldav.conf as shipped, its paths moved into a fresh folder."""
    text = (ROOT / "config" / "gcaldav.conf").read_text()
    assert "/etc/gcaldav/users" in text and "/var/lib/gcaldav" in text
    text = text.replace("/etc/gcaldav/users", str(tmp_path / "etc" / "users"))
    text = text.replace("/var/lib/gcaldav", str(tmp_path / "lib" / "gcaldav"))
    path = tmp_path / "gcaldav.conf"
    path.write_text(text)
    return path


def user(config: Path, action: str, name: str, password: str | None = None,
         monkeypatch=None) -> int:
    if password is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["user", action, name, "--config", str(config)]
                + (["--password-stdin"] if password is not None else []))


def status(server: BridgeServer, password: str) -> int:
    return requests.request("PROPFIND", server.url + "/alice/", auth=("alice", password),
                            headers={"Depth": "1"}, timeout=30).status_code


def test_users_with_bcrypt_and_the_example_config_on_a_fresh_install(fresh, tmp_path,
                                                                     monkeypatch, capsys):
    users = tmp_path / "etc" / "users"
    assert user(fresh, "add", "alice", "first secret", monkeypatch) == 0
    name, hashed = users.read_text().strip().split(":", 1)
    assert name == "alice" and hashed.startswith("$2b$")
    assert bcrypt.checkpw(b"first secret", hashed.encode())
    assert stat.S_IMODE(users.stat().st_mode) == 0o600

    server = BridgeServer(fresh).start()        # the shipped config, nothing else
    try:
        assert status(server, "first secret") == 207        # no account yet: empty home
        assert status(server, "wrong") == 401
        assert user(fresh, "passwd", "alice", "second secret", monkeypatch) == 0
        assert status(server, "second secret") == 207
        assert status(server, "first secret") == 401
        assert user(fresh, "remove", "alice") == 0
        assert status(server, "second secret") == 401
    finally:
        server.stop()
    assert users.read_text() == ""


def test_user_commands_refuse_clearly(fresh, monkeypatch, capsys):
    assert user(fresh, "add", "bob:x", "pw", monkeypatch) == 1
    assert "cannot be a CalDAV user name" in capsys.readouterr().err
    assert user(fresh, "add", "bob", "pw", monkeypatch) == 0
    assert user(fresh, "add", "bob", "pw", monkeypatch) == 1
    assert "already exists" in capsys.readouterr().err
    assert user(fresh, "passwd", "nobody", "pw", monkeypatch) == 1
    assert user(fresh, "add", "carol", "", monkeypatch) == 1
    assert "password is empty" in capsys.readouterr().err
    plain = fresh.parent / "plain.conf"
    plain.write_text(fresh.read_text().replace("htpasswd_encryption = bcrypt",
                                               "htpasswd_encryption = plain"))
    assert user(plain, "add", "dave", "pw", monkeypatch) == 2
    assert "htpasswd_encryption = bcrypt" in capsys.readouterr().err


def test_secrets_are_private_whatever_the_umask(fresh, tmp_path, emulator, alice,
                                                monkeypatch):
    (tmp_path / "google.json").write_text(json.dumps(alice))
    text = fresh.read_text()
    for option, value in (("google_api_endpoint", emulator.emulator.api_url),
                          ("google_token_uri", emulator.emulator.token_url)):
        text, found = re.subn(rf"#{option} = \S+", f"{option} = {value}", text)
        assert found == 1
    fresh.write_text(text)
    old = os.umask(0)
    try:
        assert user(fresh, "add", "alice", "pw", monkeypatch) == 0
        assert main(["link", "--config", str(fresh), "alice",
                     str(tmp_path / "google.json")]) == 0
    finally:
        os.umask(old)
    data = tmp_path / "lib" / "gcaldav"
    modes = {path.relative_to(tmp_path).as_posix(): stat.S_IMODE(path.stat().st_mode)
             for path in [data, *data.rglob("*"), tmp_path / "etc" / "users"]}
    assert modes.pop("lib/gcaldav") == 0o700 and modes.pop("lib/gcaldav/credentials") == 0o700
    assert modes and set(modes.values()) == {0o600}, modes     # db, its WAL, credentials
