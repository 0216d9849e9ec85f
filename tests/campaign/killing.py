"""kill -9 runs: a real ``gcaldav serve`` (or ``gcaldav link``) process on a SQLite store, killed
at a seeded random moment of a chosen operation, restarted, and judged: the store converges
to Google, no event exists twice on Google, and a client's sync token from before the kill
reports exactly the changes it missed (or is refused with a clean 403 valid-sync-token)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import requests

from gcaldav.configfile import bridge_config
from tests.campaign.workload import (caldav_view, google_summaries, google_truth,
                                     unreported)
from tests.gcaldav.cluster import Process
from tests.support import free_port, stop_process, wait_for

DAV = "{DAV:}"


def sync_collection(session: requests.Session, url: str,
                    token: str = "") -> tuple[int, str, dict[str, str | int]]:
    """(status, new token, {href: etag, or 404 for a deletion})."""
    body = ('<?xml version="1.0"?><sync-collection xmlns="DAV:">'
            f'<sync-token>{token}</sync-token><sync-level>1</sync-level>'
            '<prop><getetag/></prop></sync-collection>')
    answer = session.request("REPORT", url, data=body, headers={"Content-Type": "text/xml"},
                             timeout=60)
    if answer.status_code != 207:
        return answer.status_code, answer.text, {}
    tree = ET.fromstring(answer.content)
    changes: dict[str, str | int] = {}
    for node in tree.findall(f"{DAV}response"):
        etag = node.find(f".//{DAV}getetag")
        changes[node.find(f"{DAV}href").text] = etag.text if etag is not None else 404
    return 207, tree.find(f"{DAV}sync-token").text, changes


@dataclass
class Rig:
    """One run's bridge: its folder, configuration and process."""

    tmp: Path
    emulator: object
    account: dict
    push: bool = False
    port: int = field(default_factory=free_port)
    process: Process | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        htpasswd = self.tmp / "users"
        htpasswd.write_text("alice:secret\n")
        storage = dict(freshness=0, google_timeout=2, sync_interval=1, active_sync_interval=1,
                       push_sync_interval=3600 if self.push else 1, calendar_list_interval=3600)
        if self.push:
            storage["push_url"] = f"http://127.0.0.1:{self.port}"
        self.config = self.tmp / "config"
        self.config.write_text(bridge_config(
            htpasswd=htpasswd, data_dir=self.tmp / "data", api=self.emulator.emulator.api_url,
            token_uri=self.emulator.emulator.token_url, port=self.port, **storage))
        self.credentials = self.tmp / "google.json"
        self.credentials.write_text(json.dumps(self.account))
        self.calendar = self.account["account"]

    # --- processes ----------------------------------------------------------------------------

    def link_command(self) -> list[str]:
        return [sys.executable, "-m", "gcaldav.cli", "link", "--config", str(self.config),
                "alice", str(self.credentials)]

    def link(self) -> None:
        done = subprocess.run(self.link_command(), capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()[-2000:]

    def serve(self) -> Process:
        self.process = LoggedProcess(self.port, self.config,
                                     log=self.tmp / f"serve-{self.starts}.log").start()
        self.starts += 1
        return self.process

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        self.process.proc.send_signal(signal.SIGKILL)
        self.process.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process.proc)

    # --- what clients see ---------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        return self.process.session

    def url(self) -> str:
        """The primary calendar's collection URL, from the calendar home."""
        def found():
            answer = self.session.request(
                "PROPFIND", f"{self.process.url}/alice/", headers={"Depth": "1"},
                data='<propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>',
                timeout=60)
            assert answer.status_code < 500, answer.status_code
            slug = self.calendar.replace("@", "-at-")
            return slug in answer.text and f"{self.process.url}/alice/{slug}/"
        return wait_for(found, 30, "the primary calendar's collection")

    def snapshot(self, url: str) -> tuple[str, dict[str, str]]:
        """A client's sync token and view (href -> etag)."""
        status, token, changes = sync_collection(self.session, url)
        assert status == 207, token
        return token, {href: etag for href, etag in changes.items() if etag != 404}

    # --- the judgement ------------------------------------------------------------------------

    def converged(self, url: str) -> tuple[bool, str]:
        status, view = caldav_view(self.session, url)
        google = google_summaries(google_truth(self.emulator, self.calendar))
        seen = sorted((r.uid, r.summary) for r in view)
        if status == 207 and seen == sorted(google.items()):
            return True, ""
        return False, f"REPORT {status}\nclients: {seen}\ngoogle:  {sorted(google.items())}"

    def check(self, url: str, token: str, before: dict[str, str]) -> str:
        """After convergence: no duplicates on Google, and the old token reports exactly the
        changes since (answers how it was judged)."""
        truth = google_truth(self.emulator, self.calendar)
        doubled = {uid: events for uid, events in truth.items() if len(events) > 1}
        assert not doubled, f"duplicated on Google: {doubled}"
        status, _, changes = sync_collection(self.session, url, token)
        if status == 403:
            return "token refused (403)"
        assert status == 207, (status, _)
        _, now = self.snapshot(url)
        changes, missed = unreported(before, now, changes)
        assert changes == missed, (f"the old sync token reported {changes},\n"
                                   f"the changes it missed are {missed}")
        return f"token reported {len(changes)} changes"


@dataclass
class LoggedProcess(Process):
    """``gcaldav serve`` with its output in a file (why a restart failed)."""

    log: Path | None = None

    def start(self) -> "LoggedProcess":
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gcaldav.cli", "serve", "--config", str(self.config),
                 "--port", str(self.port)], stdout=out, stderr=subprocess.STDOUT)
        self.session.auth = ("alice", "secret")
        try:
            wait_for(self._up, timeout=60, what=f"server on port {self.port}")
        except AssertionError:
            raise AssertionError(self.log.read_text()[-3000:]) from None
        return self


def in_thread(work) -> threading.Thread:
    """Run ``work`` (a request that the kill may cut off) without waiting for it."""
    def guarded():
        try:
            work()
        except requests.RequestException:
            pass                    # the process died under it: expected
    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()
    return thread


def pause(seconds: float) -> None:
    """Wait the seeded moment before the kill (the randomness under test, not a sync)."""
    time.sleep(seconds)
