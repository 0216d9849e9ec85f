"""Several ``gcaldav serve`` processes on one PostgreSQL database, as behind a load balancer:
each its own data folder (so credentials can only reach it through the database), one
shared configuration otherwise."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bridge.model import Kind
from bridge.service import Bridge
from bridge.settings import Settings
from bridge.store.db_leases import lock_keys
from gcaldav.configfile import bridge_config
from tests.support import free_port, stop_process, wait_for

UID = re.compile(r"^UID:(.+?)\r?$", re.M)
QUERY = """<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:"
xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>
</c:filter></c:calendar-query>"""


@dataclass
class Process:
    port: int
    config: Path
    proc: subprocess.Popen | None = None
    session: requests.Session = field(default_factory=requests.Session)
    options: tuple[str, ...] = ()       # further ``serve`` options (``--workers 3``)
    log: Path | None = None             # its stderr (``-v``: info and the access log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Process":
        verbose = ("-v",) if self.log else ()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gcaldav.cli", *verbose, "serve", "--config",
             str(self.config), "--port", str(self.port), *self.options],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb") if self.log else subprocess.DEVNULL)
        self.session.auth = ("alice", "secret")
        wait_for(self._up, timeout=60, what=f"server on port {self.port}")
        return self

    def _up(self) -> bool:
        try:
            return self.session.get(self.url + "/healthz", timeout=5).ok
        except requests.ConnectionError:
            assert self.proc.poll() is None, "the server process exited"
            return False

    def uids(self, collection: str) -> list[str]:
        """Every resource's UID as this process serves the calendar (one per resource)."""
        answer = self.session.request("REPORT", self.url + collection, data=QUERY,
                                      headers={"Depth": "1",
                                               "Content-Type": "application/xml"}, timeout=60)
        assert answer.status_code == 207, answer.status_code
        return [uid.strip() for uid in UID.findall(answer.text.replace("&#13;", ""))]


class Cluster:
    def __init__(self, tmp_path: Path, database: str, emulator, account: dict, *,
                 processes: int = 3, **storage):
        htpasswd = tmp_path / "users"
        htpasswd.write_text("alice:secret\n")
        self.database, self.account = database, account
        ports = [free_port() for _ in range(processes)]
        if "push_url" in storage:       # one public address for all (a load balancer's)
            storage["push_url"] = storage["push_url"].format(first_port=ports[0])
        self.processes = []
        for n, port in enumerate(ports):
            config = tmp_path / f"config-{n}"
            config.write_text(bridge_config(
                htpasswd=htpasswd, data_dir=tmp_path / f"data-{n}", database=database,
                api=emulator.emulator.api_url, token_uri=emulator.emulator.token_url,
                **storage))
            self.processes.append(Process(port, config))
        self.settings = Settings(data_dir=str(tmp_path / "linker"), database=database,
                                 google_api_endpoint=emulator.emulator.api_url,
                                 google_token_uri=emulator.emulator.token_url)
        self.engine = create_engine(database)

    def link(self, tmp_path: Path) -> str:
        """Link alice's Google account from a fourth, short-lived process; the collection
        path of her primary calendar."""
        credentials = tmp_path / "google.json"
        credentials.write_text(json.dumps(self.account))
        bridge = Bridge(self.settings)
        bridge.link("alice", str(credentials))
        [calendar] = [c for c in bridge.calendars("alice")
                      if c.google_id == self.account["account"]]
        bridge.store.engine.dispose()
        return f"/alice/{calendar.slug}/"

    def calendar_id(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT id FROM calendars WHERE google_id = :g"),
                                {"g": self.account["account"]}).scalar_one()

    def start(self) -> "Cluster":
        for process in self.processes:
            process.start()
        return self

    def lease_holders(self, calendar_id: int) -> int:
        """How many sessions hold the calendar's lease right now."""
        classid, objid = lock_keys(Kind.EVENTS, calendar_id)
        with self.engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :c AND objid = :o"), {"c": classid, "o": objid}).scalar()

    def stop(self) -> None:
        for process in self.processes:
            stop_process(process.proc)
        self.engine.dispose()
