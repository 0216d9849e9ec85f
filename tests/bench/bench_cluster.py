"""Load benchmark: gcaldav on SQLite (one process) and on PostgreSQL (1, 2, 4 processes).

    export GCALDAV_TEST_DATABASE_URL=$(.ci/start-postgresql)
    .venv/bin/python -m tests.bench.bench_cluster --users 20 --calendars 3 --events 100 \\
        --duration 30 --json cluster.json

For each setup: the emulator in its own process, seeded with ``--users`` accounts of
``--calendars`` calendars of ``--events`` events; the bridge's server processes
(``gcaldav serve``, default configuration plus ``freshness``) on one database, all users
linked; then one simulated CalDAV client per user for ``--duration`` seconds, each sending
requests back to back to the processes in turn (as a load balancer would), in a poll mix:
ctag PROPFIND 40 %, sync-collection with the last token 25 %, calendar-multiget of 10
resources 15 %, calendar-query of a week 15 %, PUT of a new event 5 %. Prints requests/s,
p50/p99 latency, errors, the resident memory of each server process, and Google calls per
user per hour during the run (background polling and freshness syncs, no push).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from bridge.service import Bridge
from bridge.settings import Settings
from gcaldav.configfile import bridge_config
from tests.databases import URL_VARIABLE, fresh_postgresql
from tests.gcaldav.cluster import QUERY
from tests.support import free_port, stop_process, wait_for

HREF = re.compile(r"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>")
SETUPS = [("sqlite", 1), ("postgresql", 1), ("postgresql", 2), ("postgresql", 4)]
CTAG = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/'
        'ns/"><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>')
SYNC = ('<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}'
        '</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop>'
        '</d:sync-collection>')
MULTIGET = ('<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/>'
            '</d:prop>{hrefs}</c:calendar-multiget>')
WEEK = QUERY.replace('<c:comp-filter name="VEVENT"/>', '<c:comp-filter name="VEVENT">'
                     '<c:time-range start="20260309T000000Z" end="20260316T000000Z"/>'
                     '</c:comp-filter>')


class Emulator:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "gcaldav.cli", "emulator",
                                      "--port", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(self._up, timeout=60, what="the emulator")

    def _up(self) -> bool:
        try:
            return requests.get(self.base + "/_emulator/health", timeout=5).ok
        except requests.ConnectionError:
            return False

    def control(self, method: str, path: str, body: object = None):
        answer = requests.request(method, self.base + "/_emulator" + path, json=body,
                                  timeout=600)
        answer.raise_for_status()
        return answer.json()


def seed(emulator: Emulator, users: int, calendars: int, events: int) -> list[dict]:
    accounts = []
    for n in range(users):
        account = emulator.control("POST", "/accounts", {"email": f"user{n}@example.com"})
        owned = [account["account"]] + [
            emulator.control("POST", "/calendars", {"owner": account["account"],
                                                    "summary": f"extra {c}"})["id"]
            for c in range(calendars - 1)]
        for calendar_id in owned:
            emulator.control("POST", f"/calendars/{calendar_id}/events:bulk",
                             {"generate": events, "seed": n})
        accounts.append(account)
    return accounts


def start_servers(tmp: Path, database: str, emulator: Emulator, accounts: list[dict],
                  processes: int, freshness: float) -> list[tuple[str, subprocess.Popen]]:
    htpasswd = tmp / "users"
    htpasswd.write_text("".join(f"user{n}:secret\n" for n in range(len(accounts))))
    info = emulator.control("GET", "/health")
    api, token = info["api"], info["token_uri"]
    settings = Settings(data_dir=str(tmp / "data-0"), database=database,
                        google_api_endpoint=api, google_token_uri=token)
    linker = Bridge(settings)
    for n, account in enumerate(accounts):
        path = tmp / f"google-{n}.json"
        path.write_text(json.dumps(account))
        linker.link(f"user{n}", str(path))
    linker.store.engine.dispose()
    servers = []
    for n in range(processes):
        port = free_port()
        config = tmp / f"config-{n}"
        config.write_text(bridge_config(htpasswd=htpasswd, data_dir=tmp / f"data-{n}",
                                        database=database, api=api, token_uri=token,
                                        freshness=freshness))
        proc = subprocess.Popen([sys.executable, "-m", "gcaldav.cli", "serve", "--config",
                                 str(config), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(url), timeout=120, what=f"server {n}")
        servers.append((url, proc))
    return servers


def _healthy(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=5).ok
    except requests.ConnectionError:
        return False


class Client(threading.Thread):
    """One user's CalDAV client: requests back to back until ``stop``."""

    def __init__(self, user: int, servers: list[str], stop: threading.Event, seed_: int):
        super().__init__(daemon=True)
        self.user, self.servers, self.stop = user, servers, stop
        self.random = random.Random(seed_)
        self.session = requests.Session()
        self.session.auth = (f"user{user}", "secret")
        self.latencies: list[float] = []
        self.errors = 0
        self.tokens: dict[str, str] = {}
        self.hrefs: dict[str, list[str]] = {}
        self.turn = user

    def run(self) -> None:
        collections = self._collections()
        while not self.stop.is_set():
            collection = self.random.choice(collections)
            self.turn += 1
            base = self.servers[self.turn % len(self.servers)]
            started = time.perf_counter()
            try:
                ok = self._one(base, collection)
            except requests.RequestException:
                ok = False
            self.latencies.append(time.perf_counter() - started)
            self.errors += not ok

    def _collections(self) -> list[str]:
        answer = self.session.request("PROPFIND", self.servers[0] + f"/user{self.user}/",
                                      headers={"Depth": "1"}, timeout=120)
        home = f"/user{self.user}/"
        return sorted({h for h in HREF.findall(answer.text) if h.startswith(home) and h != home})

    def _one(self, base: str, collection: str) -> bool:
        roll = self.random.random()
        url = base + collection
        if roll < 0.40:
            return self._dav("PROPFIND", url, CTAG, "0")
        if roll < 0.65:
            answer = self.session.request(
                "REPORT", url, data=SYNC.format(token=self.tokens.get(collection, "")),
                headers={"Depth": "1", "Content-Type": "application/xml"}, timeout=120)
            if answer.status_code == 207 and "sync-token>" in answer.text:
                self.tokens[collection] = answer.text.split("sync-token>")[1].split("<")[0]
                hrefs = HREF.findall(answer.text)
                if hrefs:
                    self.hrefs[collection] = hrefs
            return answer.status_code == 207
        if roll < 0.80:
            hrefs = self.random.sample(self.hrefs.get(collection, []),
                                       min(10, len(self.hrefs.get(collection, []))))
            body = MULTIGET.format(hrefs="".join(f"<d:href>{h}</d:href>" for h in hrefs))
            return self._dav("REPORT", url, body, "1")
        if roll < 0.95:
            return self._dav("REPORT", url, WEEK, "1")
        uid = str(uuid.uuid4())
        answer = self.session.put(url + f"{uid}.ics", timeout=120, headers={
            "Content-Type": "text/calendar", "If-None-Match": "*"}, data=(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260311T090000Z\r\n"
            "DTEND:20260311T100000Z\r\nSUMMARY:bench\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
        return answer.status_code == 201

    def _dav(self, method: str, url: str, body: str, depth: str) -> bool:
        answer = self.session.request(method, url, data=body, timeout=120, headers={
            "Depth": depth, "Content-Type": "application/xml"})
        return answer.status_code == 207


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(backend: str, processes: int, args) -> dict:
    emulator = Emulator()
    servers = []
    try:
        accounts = seed(emulator, args.users, args.calendars, args.events)
        with tempfile.TemporaryDirectory() as folder, _database(backend, Path(folder)) as db:
            servers = start_servers(Path(folder), db, emulator, accounts, processes,
                                    args.freshness)
            stop = threading.Event()
            clients = [Client(n, [url for url, _ in servers], stop, n)
                       for n in range(args.users)]
            for client in clients:
                client.start()
            time.sleep(args.warmup)             # first syncs and token fetches
            for client in clients:
                client.latencies.clear()
                client.errors = 0
            emulator.control("POST", "/stats/reset")
            started = time.monotonic()
            time.sleep(args.duration)           # the measured window
            latencies = sorted(x for c in clients for x in c.latencies)
            errors = sum(c.errors for c in clients)
            elapsed = time.monotonic() - started
            calls = sum(emulator.control("GET", "/stats")["calls"].values())
            memory = [round(rss_mb(proc.pid), 1) for _, proc in servers]
            stop.set()
            for client in clients:
                client.join(120)
            for _, proc in servers:
                stop_process(proc)
            servers = []
    finally:
        for _, proc in servers:
            stop_process(proc)
        stop_process(emulator.proc)
    return {"backend": backend, "processes": processes, "requests": len(latencies),
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1)
            if latencies else None,
            "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else None,
            "errors": errors, "rss_mb_per_process": memory,
            "google_calls_per_user_hour": round(calls / args.users * 3600 / elapsed, 1)}


class _database:
    """A SQLite file in ``folder`` or a fresh PostgreSQL database."""

    def __init__(self, backend: str, folder: Path):
        self.backend, self.folder, self.pg = backend, folder, None

    def __enter__(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / 'gcaldav.db'}"
        self.pg = fresh_postgresql()
        return self.pg.__enter__()

    def __exit__(self, *exc) -> None:
        if self.pg is not None:
            self.pg.__exit__(*exc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--calendars", type=int, default=3)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--freshness", type=float, default=30.0)
    parser.add_argument("--setups", default=",".join(f"{b}:{n}" for b, n in SETUPS))
    parser.add_argument("--json")
    args = parser.parse_args()
    if "postgresql" in args.setups and not os.environ.get(URL_VARIABLE):
        raise SystemExit(f"set {URL_VARIABLE} (e.g. $(.ci/start-postgresql))")
    results = []
    for setup in args.setups.split(","):
        backend, processes = setup.split(":")
        result = measure(backend, int(processes), args)
        results.append(result)
        print(json.dumps(result), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"arguments": vars(args), "results": results},
                                              indent=1))


if __name__ == "__main__":
    main()
