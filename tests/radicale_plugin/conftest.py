"""A real bridge: Radicale with the plugin, served over HTTP, synced from the emulator."""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import caldav
import pytest
import requests

from bridge.model import Kind
from gcaldav.configfile import bridge_config
from radicale_plugin.options import PLUGIN_SCHEMA, settings_from
from radicale_plugin.registry import lookup, register
from gcaldav.server import load_configuration, make_server
from tests.databases import BACKENDS, storage_options
from tests.support import free_port, wait_for

DAV = "{DAV:}"
@dataclass
class BridgeServer:
    """One running bridge; ``restart()`` builds a new server on the same data."""

    config_path: Path
    port: int = 0           # 0: any free port (a fixed one survives restarts: push_url)
    user: str = "alice"
    password: str = "secret"
    server: object = None
    thread: threading.Thread | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def start(self) -> "BridgeServer":
        self.configuration = load_configuration(str(self.config_path))
        self.server = make_server(self.configuration, port=self.port)
        # A short poll interval: shutdown() waits up to one interval for the loop to notice.
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.05})
        self.thread.start()
        self.session.auth = (self.user, self.password)
        # Its Google calls are not the test's (tests count calls): a server started on a
        # loaded machine may otherwise make them after the test reset the counts.
        wait_for(lambda: self.start_up_synced(), 10, what=None)
        return self

    def start_up_synced(self) -> bool:
        """The syncs a server asks for at start (every calendar list and collection) ended."""
        bridge = self.server.bridge
        queue = bridge.scheduler.queue
        return not any(queue.busy((Kind.CALENDAR_LIST, a.id)) or any(
            queue.busy((c.kind, c.id)) for c in bridge.store.calendars_of_account(a.id))
            for a in bridge.store.accounts())

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def restart(self) -> "BridgeServer":
        self.stop()
        return self.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def bridge(self):
        return lookup(self.configuration)

    def client(self) -> caldav.DAVClient:
        return caldav.DAVClient(self.url + f"/{self.user}/", username=self.user,
                                password=self.password)

    def calendar_url(self, google_id: str) -> str:
        slug = next(c.slug for c in self.bridge.store.calendars(self.user)
                    if c.google_id == google_id)
        return f"{self.url}/{self.user}/{slug}/"

    # --- raw WebDAV, for exact assertions ------------------------------------------------------

    def propfind(self, url: str, body: str, depth: str = "0") -> ET.Element:
        response = self.session.request("PROPFIND", url, data=body,
                                        headers={"Depth": depth, "Content-Type": "text/xml"})
        assert response.status_code == 207, response.text
        return ET.fromstring(response.content)

    def ctag(self, url: str) -> str:
        tree = self.propfind(url, '<propfind xmlns="DAV:" xmlns:CS="http://calendarserver.org/'
                                  'ns/"><prop><CS:getctag/></prop></propfind>')
        return tree.find(".//{http://calendarserver.org/ns/}getctag").text

    def sync_collection(self, url: str, token: str = "") -> tuple[str, dict[str, str | int]]:
        """(new token, {href: etag, or 404 for a deletion})."""
        body = ('<?xml version="1.0"?><sync-collection xmlns="DAV:">'
                f'<sync-token>{token}</sync-token><sync-level>1</sync-level>'
                '<prop><getetag/></prop></sync-collection>')
        response = self.session.request("REPORT", url, data=body,
                                        headers={"Content-Type": "text/xml"})
        if response.status_code != 207:
            return "", {"status": response.status_code, "body": response.text}
        tree = ET.fromstring(response.content)
        changes = {}
        for node in tree.findall(f"{DAV}response"):
            href = node.find(f"{DAV}href").text
            etag = node.find(f".//{DAV}getetag")
            changes[href] = etag.text if etag is not None else 404
        return tree.find(f"{DAV}sync-token").text, changes




@pytest.fixture(name="wait_for")
def wait_for_fixture():
    return wait_for




@pytest.fixture(params=BACKENDS)
def make_bridge(emulator, tmp_path, request):
    """Factory: a bridge for user alice linked to the given emulator account. ``push=True``
    serves on a fixed loopback port that is also its ``push_url``; further keywords are
    [storage] options (``sync_interval=0.5``). Runs on SQLite, and on PostgreSQL when
    GCALDAV_TEST_DATABASE_URL names a server (tests/databases.py)."""
    servers = []
    backend = ExitStack()
    options_of_backend = backend.enter_context(storage_options(request.param))

    def make(account: dict, *, freshness: float = 30.0, push: bool = False,
             **options) -> BridgeServer:
        htpasswd = tmp_path / "users"
        htpasswd.write_text("alice:secret\n")
        config_path = tmp_path / "config"
        port = free_port() if push else 0
        if push:
            options = {"push_url": f"http://127.0.0.1:{port}", **options}
        options = {**options_of_backend, **options}
        config_path.write_text(bridge_config(
            htpasswd=htpasswd, data_dir=tmp_path / "data", api=emulator.emulator.api_url,
            token_uri=emulator.emulator.token_url, freshness=freshness, **options))
        credentials = tmp_path / "google.json"
        credentials.write_text(json.dumps(account))
        configuration = load_configuration(str(config_path))
        bridge = register(configuration, settings_from(configuration.copy(PLUGIN_SCHEMA)))
        bridge.link("alice", str(credentials))
        server = BridgeServer(config_path, port=port).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
    backend.close()
