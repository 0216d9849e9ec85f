"""A real Bridge on a temporary store, linked to emulator accounts over HTTP, and a loopback
webhook that hands notifications to the bridge (what radicale_plugin.webhook does, without
Radicale)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support import wait_for

from bridge.service import Bridge
from bridge.settings import Settings


@pytest.fixture
def bridge(emulator, tmp_path):
    core = Bridge(Settings(data_dir=str(tmp_path / "data"), freshness=3600,
                           google_api_endpoint=emulator.emulator.api_url,
                           google_token_uri=emulator.emulator.token_url))
    yield core
    core.stop_background()


@pytest.fixture
def link(bridge, tmp_path):
    """link(account, user="alice") -> account id: stores the credentials, first sync."""
    def do(account: dict, user: str = "alice") -> int:
        path = tmp_path / f"{account['account']}.json"
        path.write_text(json.dumps(account))
        return bridge.link(user, str(path))
    return do


@pytest.fixture
def webhook(bridge):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            status = bridge.notifications.handle(dict(self.headers), self.client_address[0])
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture(name="wait_for")
def wait_for_fixture():
    return wait_for
