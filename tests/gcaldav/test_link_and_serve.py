"""`gcaldav link` (authorized-user and service-account credentials), `gcaldav demo`, and
stock `python -m radicale` serving the read path with the plugin."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import caldav
import pytest
import requests

from gcaldav.cli import main
from gcaldav.configfile import bridge_config
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path, emulator):
    (tmp_path / "users").write_text("alice:secret\n")
    path = tmp_path / "gcaldav.conf"
    path.write_text(bridge_config(htpasswd=tmp_path / "users", data_dir=tmp_path / "data",
                                  api=emulator.emulator.api_url,
                                  token_uri=emulator.emulator.token_url))
    return path


def test_link_with_a_service_account_acting_as_a_user(config, tmp_path, control, alice, capsys):
    control.post(f"/calendars/{alice['account']}/events",
                 {"summary": "Visible to the bridge", "start": {"date": "2026-06-01"},
                  "end": {"date": "2026-06-02"}})
    key = control.post("/service-accounts", {"email": "bridge@corp.iam.gserviceaccount.com"})
    key_file = tmp_path / "sa.json"
    key_file.write_text(json.dumps(key))
    assert main(["link", "--config", str(config), "alice", str(key_file),
                 "--subject", alice["account"]]) == 0
    assert "linked alice: 1 calendars" in capsys.readouterr().out
    [stored] = (tmp_path / "data" / "credentials").iterdir()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert key["private_key"] not in (tmp_path / "data" / "gcaldav.db").read_bytes().decode(
        "latin-1")


def test_link_refuses_bad_credentials_clearly(config, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"type": "something_else"}))
    assert main(["link", "--config", str(config), "alice", str(bad)]) == 1
    assert "expected an authorized-user or service-account JSON" in capsys.readouterr().err


def test_stock_radicale_serves_the_read_path(config, alice, control):
    assert main(["link", "--config", str(config), "alice", _write(config, alice)]) == 0
    port = free_port()
    text = config.read_text().replace("hosts = 127.0.0.1:5232", f"hosts = 127.0.0.1:{port}")
    config.write_text(text)
    proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        calendars = _wait(lambda: caldav.DAVClient(
            f"http://127.0.0.1:{port}/alice/", username="alice",
            password="secret").principal().calendars())
        assert [c.get_display_name() for c in calendars] == [alice["account"]]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_demo_serves_the_demo_calendars():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gcaldav.cli", "demo", "--port",
                             str(port), "--password", "pw"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        output = []
        while not output or "ready" not in output[-1]:
            output.append(proc.stdout.readline())
            assert output[-1], "".join(output)       # the demo ended before it was ready
        assert re.search(rf"CalDAV http://127\.0\.0\.1:{port}/ +user demo +password pw",
                         output[-1]), "".join(output)
        response = requests.request("PROPFIND", f"http://127.0.0.1:{port}/demo/",
                                    auth=("demo", "pw"), headers={"Depth": "1"})
        assert response.status_code == 207
        names = set(re.findall(r"<displayname>([^<]*)</displayname>", response.text))
        assert {"Work", "Holidays", "Demo User"} <= names
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _write(config: Path, info: dict) -> str:
    path = config.parent / "google.json"
    path.write_text(json.dumps(info))
    return str(path)




def _wait(call, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
