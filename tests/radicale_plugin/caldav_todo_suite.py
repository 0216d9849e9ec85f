"""Run python-caldav's own functional tests for tasks against a task list of a running bridge.

python-caldav's wheel has no tests; its sdist does (``pip download caldav --no-deps
--no-binary :all:``, unpacked). This script starts the emulator and a bridge with one
account whose default task list is the test calendar, writes the sdist's
``tests/caldav_test_servers.yaml`` naming it (features: Radicale's profile, calendars cannot
be created, the task list is the test calendar), and runs the todo tests of
``tests/test_caldav.py`` on it::

    .venv/bin/python -m tests.radicale_plugin.caldav_todo_suite /path/to/caldav-3.6.0 \
        --python /path/to/venv-with-caldav[test]/bin/python [-k EXPR]

Not part of the default suite: it needs the sdist, which is downloaded, not vendored.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from emulator import EmulatorServer
from gcaldav.configfile import bridge_config
from gcaldav.server import load_configuration, make_server
from radicale_plugin.options import PLUGIN_SCHEMA, settings_from
from radicale_plugin.registry import register
from tests.support import free_port

SCOPES = ["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/tasks"]
TODO_TESTS = ("testTodos or testTodoDatesearch or testTodoCompletion or testTodoRecurring "
              "or testSearchTodos or testSearchSortTodo or testSetDue or "
              "testCreateTaskListAndTodo")


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def start_bridge(workdir: Path) -> str:
    """Emulator and bridge in this process; answers the task list's URL."""
    emulator = EmulatorServer().start()
    account = {**_post(emulator.base_url + "/_emulator/accounts",
                       {"email": "suite@example.com"}), "scopes": SCOPES}
    (workdir / "users").write_text("alice:secret\n")
    config = workdir / "config"
    config.write_text(bridge_config(htpasswd=workdir / "users", data_dir=workdir / "data",
                                    api=emulator.emulator.api_url,
                                    token_uri=emulator.emulator.token_url, freshness=0))
    configuration = load_configuration(str(config))
    bridge = register(configuration, settings_from(configuration.copy(PLUGIN_SCHEMA)))
    bridge.link_info("alice", account)
    server = make_server(configuration, port=free_port())
    import threading
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    [tasks] = [c for c in bridge.store.calendars("alice") if c.kind.value == "tasks"]
    return f"http://{host}:{port}/alice/{tasks.slug}/"


def server_config(url: str) -> dict:
    return {"test-servers": {"gcaldav": {
        "type": "external", "enabled": True, "name": "Gcaldav",
        "url": url.rsplit("/", 2)[0] + "/", "username": "alice", "password": "secret",
        "features": {"base": "radicale",
                     "create-calendar": {"support": "unsupported"},
                     "delete-calendar": {"support": "unsupported"},
                     "test-calendar": {"cal_url": url, "cleanup-regime": "wipe-calendar"}}}}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sdist", type=Path, help="the unpacked caldav sdist")
    parser.add_argument("-k", default=TODO_TESTS, help="pytest -k expression")
    parser.add_argument("--python", default=sys.executable,
                        help="an interpreter with the sdist's test extra installed "
                             "(pip install 'caldav-X.Y.Z[test]')")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = start_bridge(Path(tmp))
        # JSON is YAML: no YAML writer needed.
        (args.sdist / "tests" / "caldav_test_servers.json").write_text(
            json.dumps(server_config(url)))
        env = {**os.environ, "PYTHON_CALDAV_TEST_EMBEDDED": "0",
               "PYTHON_CALDAV_TEST_DOCKER": "0"}
        return subprocess.call([args.python, "-m", "pytest", "-p", "no:cacheprovider",
                                "-o", "addopts=", "-o", "asyncio_default_fixture_loop_scope=function",
                                "-q", "-rA", "tests/test_caldav.py",
                                "-k", f"TestForServerGcaldav and ({args.k})"],
                               cwd=args.sdist, env=env)


if __name__ == "__main__":
    sys.exit(main())
