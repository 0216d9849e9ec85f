"""The WSGI entry point under a real production server (gunicorn, two workers on PostgreSQL,
one on SQLite), and ``gcaldav migrate``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import requests

from gcaldav.cli import main
from gcaldav.configfile import bridge_config
from tests.databases import BACKENDS, storage_options
from tests.support import free_port, stop_process, wait_for


@pytest.fixture(params=BACKENDS)
def config(request, tmp_path, emulator, alice):
    (tmp_path / "users").write_text("alice:secret\n")
    with storage_options(request.param) as options:
        path = tmp_path / "config"
        path.write_text(bridge_config(htpasswd=tmp_path / "users", data_dir=tmp_path / "data",
                                      api=emulator.emulator.api_url,
                                      token_uri=emulator.emulator.token_url, **options))
        (tmp_path / "google.json").write_text(json.dumps(alice))
        assert main(["link", "--config", str(path), "alice", str(tmp_path / "google.json")]) == 0
        yield path, request.param


def test_gunicorn_workers_serve_the_application(config, alice):
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed")
    path, backend = config
    port = free_port()
    workers = "2" if backend == "postgresql" else "1"   # SQLite: one process
    proc = subprocess.Popen([gunicorn, "-w", workers, "-b", f"127.0.0.1:{port}",
                             "gcaldav.wsgi:application"], env={**os.environ,
                            "GCALDAV_CONFIG": str(path)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _get(url + "/healthz"), timeout=60, what="gunicorn to serve")
        answers = [requests.request("PROPFIND", url + "/alice/", auth=("alice", "secret"),
                                    headers={"Depth": "1"}, timeout=30) for _ in range(6)]
        assert {a.status_code for a in answers} == {207}
        assert all(alice["account"].split("@")[0] in a.text for a in answers)
    finally:
        stop_process(proc)


def _get(url: str) -> bool:
    try:
        return requests.get(url, timeout=10).ok
    except requests.RequestException:       # not listening yet, or a worker still starting
        return False


def test_without_a_configuration_the_module_says_what_to_set():
    env = {k: v for k, v in os.environ.items() if k != "GCALDAV_CONFIG"}
    done = subprocess.run([sys.executable, "-c", "import gcaldav.wsgi"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "set GCALDAV_CONFIG" in done.stderr and "Traceback" not in done.stderr


def test_migrate_reports_the_revision_and_refuses_an_unreachable_database(config, capsys,
                                                                           tmp_path):
    path, _ = config
    assert main(["migrate", "--config", str(path)]) == 0
    assert "database at schema revision" in capsys.readouterr().out
    bad = tmp_path / "bad-config"
    text = path.read_text()
    bad.write_text(text.replace("[storage]\n", "[storage]\ndatabase = postgresql+psycopg://"
                                "nobody:pw@127.0.0.1:1/none\n", 1)
                   if "database =" not in text else
                   "\n".join("database = postgresql+psycopg://nobody:pw@127.0.0.1:1/none"
                             if line.startswith("database =") else line
                             for line in text.splitlines()) + "\n")
    assert main(["migrate", "--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gcaldav migrate:") and "Traceback" not in err and "pw" not in err
