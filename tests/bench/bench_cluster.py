"""Load benchmark: gcaldav on SQLite (one process) and on PostgreSQL (1, 2, 4 processes).

    export GCALDAV_TEST_DATABASE_URL=$(.ci/start-postgresql)
    .venv/bin/python -m tests.bench.bench_cluster --users 200 --calendars 3 --events 500 \\
        --json cluster.json

Per backend: the emulator in its own process, seeded through its bulk control API with
``--users`` accounts of ``--calendars`` calendars of ``--events`` events; every user linked
through Google (``Bridge.link``, in ``--link-jobs`` processes side by side) into one database;
then, for each process count, that many ``gcaldav serve`` processes on it (default
configuration plus ``freshness`` and ``max_connections``) and two phases:

1. throughput: one simulated CalDAV client per user, requests back to back, round-robin over
   the processes (as a load balancer would), in a poll mix: ctag/sync-token PROPFIND 40 %,
   sync-collection with the last token 25 %, calendar-multiget of 10 resources 15 %,
   calendar-query of a week 15 %, PUT of a new event 5 %. Requests/s, p50/p99 latency,
   errors (anything but the expected status), resident memory of each server process, and
   CPU time per request of the servers and of PostgreSQL (the machine is shared, so CPU per
   request is the steadier figure; wall-clock rates move with the neighbours' load);
2. steady state: each client polls like a desktop client (every ``--poll`` seconds a ctag
   PROPFIND per calendar, a sync-collection where it changed); Google calls per user per
   hour counted over ``--steady`` seconds. With ``--push SETUP`` (e.g. ``postgresql:2``)
   that setup runs once more with ``push_url`` set, and only this phase is measured, once
   the emulator delivers to every calendar's channel.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
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

TICKS = os.sysconf("SC_CLK_TCK")

HREF = re.compile(r"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>")
SETUPS = "sqlite:1,postgresql:1,postgresql:2,postgresql:4"
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
        info = self.control("GET", "/health")
        self.api, self.token_uri = info["api"], info["token_uri"]

    def _up(self) -> bool:
        try:
            return requests.get(self.base + "/_emulator/health", timeout=5).ok
        except requests.ConnectionError:
            return False

    def control(self, method: str, path: str, body: object = None):
        for attempt in range(5):        # a loaded machine may reset a connection
            try:
                answer = requests.request(method, self.base + "/_emulator" + path, json=body,
                                          timeout=600)
                break
            except requests.ConnectionError:
                if attempt == 4:
                    raise
                time.sleep(1)
        answer.raise_for_status()
        return answer.json()

    def calls(self) -> int:
        return sum(self.control("GET", "/stats")["calls"].values())


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


def _link_some(job: tuple) -> int:
    """Link users ``numbers`` (a process of its own: linking renders every event)."""
    folder, database, api, token, numbers = job
    bridge = Bridge(Settings(data_dir=str(Path(folder) / "linker"), database=database,
                             google_api_endpoint=api, google_token_uri=token))
    for n in numbers:
        bridge.link(f"user{n}", str(Path(folder) / f"google-{n}.json"))
    bridge.store.engine.dispose()
    return len(numbers)


def link_all(folder: Path, database: str, emulator: Emulator, accounts: list[dict],
             jobs: int) -> float:
    """Every user linked through Google; answers the seconds it took."""
    for n, account in enumerate(accounts):
        (folder / f"google-{n}.json").write_text(json.dumps(account))
    Bridge(Settings(data_dir=str(folder / "linker"), database=database,
                    google_api_endpoint=emulator.api,
                    google_token_uri=emulator.token_uri)).store.engine.dispose()  # migrate once
    started = time.monotonic()
    slices = [list(range(len(accounts)))[j::jobs] for j in range(jobs)]
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        pool.map(_link_some, [(str(folder), database, emulator.api, emulator.token_uri, part)
                              for part in slices])
    return time.monotonic() - started


def start_servers(folder: Path, database: str, emulator: Emulator, users: int,
                  processes: int, first_port: int | None = None,
                  **storage) -> list[tuple[str, subprocess.Popen]]:
    htpasswd = folder / "users"
    htpasswd.write_text("".join(f"user{n}:secret\n" for n in range(users)))
    servers = []
    for n in range(processes):
        port = first_port if n == 0 and first_port else free_port()
        config = folder / f"config-{n}"
        # The first shares the linker's folder: on SQLite the credentials are files there.
        data_dir = folder.parent / "linker" if n == 0 else folder / f"data-{n}"
        text = bridge_config(htpasswd=htpasswd, data_dir=data_dir,
                             database=database, api=emulator.api,
                             token_uri=emulator.token_uri, port=port, **storage)
        config.write_text(text.replace("[server]\n", f"[server]\nmax_connections = "
                                                     f"{MAX_CONNECTIONS}\n"))
        proc = subprocess.Popen([sys.executable, "-m", "gcaldav.cli", "serve", "--config",
                                 str(config)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        servers.append((url, proc))
        wait_for(lambda: _healthy(url), timeout=300, what=f"server {n}")
    return servers


# Request threads per process; the accept queue holds 8 times as many connections, so 200
# clients back to back on one process are queued rather than answered 503.
MAX_CONNECTIONS = 32


def _healthy(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=5).ok
    except requests.RequestException:       # not listening yet, or busy starting
        return False


class Client(threading.Thread):
    """One user's CalDAV client: requests back to back (``pace`` 0) or, with ``pace``
    seconds, a desktop client's poll (ctag of each calendar, sync where it changed)."""

    def __init__(self, user: int, servers: list[str], stop: threading.Event, seed_: int):
        super().__init__(daemon=True)
        self.user, self.servers, self.stop = user, servers, stop
        self.random = random.Random(seed_)
        self.session = requests.Session()
        self.session.auth = (f"user{user}", "secret")
        self.latencies: list[float] = []
        self.errors = 0
        self.tokens: dict[str, str] = {}
        self.ctags: dict[str, str] = {}
        self.hrefs: dict[str, list[str]] = {}
        self.turn = user
        self.pace = 0.0
        self.collections: list[str] = []
        self.ready = threading.Event()
        self.refused_at_start = 0

    def run(self) -> None:
        try:
            self.collections = self._collections()
            for collection in self.collections:     # a client's first sync: every href
                self._timed(lambda c=collection: self._sync(self._next(), c))
        finally:
            self.ready.set()
        while not self.stop.is_set():
            if self.pace:
                self._poll_round()
                continue
            collection = self.random.choice(self.collections)
            base = self._next()
            self._timed(lambda: self._one(base, collection))

    def _next(self) -> str:
        self.turn += 1
        return self.servers[self.turn % len(self.servers)]

    def _timed(self, request) -> None:
        started = time.perf_counter()
        try:
            ok = request()
        except requests.RequestException:
            ok = False
        self.latencies.append(time.perf_counter() - started)
        self.errors += not ok

    def _poll_round(self) -> None:
        for collection in self.collections:
            self._timed(lambda c=collection: self._ctag_then_sync(self._next(), c))
        self.stop.wait(self.pace * self.random.uniform(0.8, 1.2))

    def _ctag_then_sync(self, base: str, collection: str) -> bool:
        answer = self.session.request("PROPFIND", base + collection, data=CTAG, timeout=120,
                                      headers={"Depth": "0",
                                               "Content-Type": "application/xml"})
        if answer.status_code != 207:
            return False
        ctag = answer.text.split("getctag>")[1] if "getctag>" in answer.text else ""
        if ctag != self.ctags.get(collection):
            self.ctags[collection] = ctag
            return self._sync(base, collection)
        return True

    def _collections(self) -> list[str]:
        """The user's calendars; a server still starting may answer 503 (busy) at first."""
        home = f"/user{self.user}/"
        for _ in range(60):
            answer = self.session.request("PROPFIND", self.servers[0] + home,
                                          headers={"Depth": "1"}, timeout=300)
            found = sorted({h for h in HREF.findall(answer.text)
                            if h.startswith(home) and h != home})
            if answer.status_code == 207 and found:
                return found
            self.refused_at_start += 1
            self.stop.wait(5)
        raise RuntimeError(f"user{self.user}: no calendars ({answer.status_code})")

    def _sync(self, base: str, collection: str) -> bool:
        answer = self.session.request(
            "REPORT", base + collection, data=SYNC.format(token=self.tokens.get(collection, "")),
            headers={"Depth": "1", "Content-Type": "application/xml"}, timeout=300)
        if answer.status_code == 207 and "sync-token>" in answer.text:
            self.tokens[collection] = answer.text.split("sync-token>")[1].split("<")[0]
            hrefs = [h for h in HREF.findall(answer.text) if h != collection]
            if hrefs:
                self.hrefs[collection] = hrefs
        return answer.status_code == 207

    def _one(self, base: str, collection: str) -> bool:
        roll = self.random.random()
        url = base + collection
        if roll < 0.40:
            return self._dav("PROPFIND", url, CTAG, "0")
        if roll < 0.65:
            return self._sync(base, collection)
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


def cpu_seconds(pids: list[int], children: bool = False) -> float:
    """User + system CPU time of these processes so far (gone ones count 0); with
    ``children``, also that of their children already ended and reaped."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15 if children else 13])
    return total / TICKS


def postgresql_cpu(database: str) -> float:
    """CPU seconds of the PostgreSQL server so far: the postmaster with its ended backends,
    and the live ones."""
    if not database.startswith("postgresql"):
        return 0.0
    from sqlalchemy import create_engine, text
    engine = create_engine(database)
    with engine.connect() as conn:      # its backend's parent, while it lives
        backend = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    engine.dispose()
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return cpu_seconds([postmaster], children=True) + cpu_seconds([int(p) for p in children])


def throughput(servers, emulator: Emulator, database: str, args) -> dict:
    stop = threading.Event()
    clients = [Client(n, [url for url, _ in servers], stop, n) for n in range(args.users)]
    for client in clients:
        client.start()
    _first_syncs_done(clients)
    time.sleep(args.warmup)
    for client in clients:
        client.latencies = []
        client.errors = 0
    emulator.control("POST", "/stats/reset")
    server_pids = [proc.pid for _, proc in servers]
    before = cpu_seconds(server_pids), postgresql_cpu(database), time.process_time()
    started = time.monotonic()
    time.sleep(args.duration)           # the measured window
    latencies = sorted(x for c in clients for x in c.latencies)
    errors = sum(c.errors for c in clients)
    elapsed = time.monotonic() - started
    after = cpu_seconds(server_pids), postgresql_cpu(database), time.process_time()
    calls = emulator.calls()
    memory = [round(rss_mb(pid), 1) for pid in server_pids]
    stop.set()
    for client in clients:
        client.join(300)
    n = max(len(latencies), 1)
    return {"requests": len(latencies), "requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": _ms(latencies, 0.5), "p99_ms": _ms(latencies, 0.99),
            "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else None,
            "errors": errors, "rss_mb_per_process": memory,
            "home_retries_at_start": sum(c.refused_at_start for c in clients),
            "server_cpu_ms_per_request": round(1000 * (after[0] - before[0]) / n, 2),
            "postgresql_cpu_ms_per_request": round(1000 * (after[1] - before[1]) / n, 2),
            "load_generator_cpu_ms_per_request": round(1000 * (after[2] - before[2]) / n, 2),
            "google_calls_per_user_hour_under_load":
                round(calls / args.users * 3600 / elapsed, 1)}


def steady(servers, emulator: Emulator, args) -> dict:
    """Clients polling like desktop clients; Google calls per user per hour."""
    stop = threading.Event()
    clients = [Client(n, [url for url, _ in servers], stop, n) for n in range(args.users)]
    for client in clients:
        client.pace = args.poll
        client.start()
    _first_syncs_done(clients)
    time.sleep(max(args.poll, args.warmup))     # every client through its first round
    for client in clients:
        client.latencies = []
        client.errors = 0
    emulator.control("POST", "/stats/reset")
    started = time.monotonic()
    time.sleep(args.steady)
    calls = emulator.control("GET", "/stats")["calls"]
    elapsed = time.monotonic() - started
    latencies = sorted(x for c in clients for x in c.latencies)
    errors = sum(c.errors for c in clients)
    stop.set()
    for client in clients:
        client.join(300)
    per_hour = 3600 / elapsed / args.users
    return {"steady_google_calls_per_user_hour": round(sum(calls.values()) * per_hour, 1),
            "steady_calls_by_method": {k: round(v * per_hour, 1) for k, v in calls.items()},
            "steady_requests": len(latencies), "steady_errors": errors,
            "steady_p50_ms": _ms(latencies, 0.5), "steady_p99_ms": _ms(latencies, 0.99)}


def _first_syncs_done(clients: list[Client]) -> None:
    """Each client's first sync of every calendar (all hrefs) is behind it: a client does
    that once, not in its steady mix."""
    for client in clients:
        client.ready.wait(1800)


def _ms(latencies: list[float], q: float) -> float | None:
    return round(1000 * latencies[min(int(len(latencies) * q), len(latencies) - 1)], 1) \
        if latencies else None


def wait_for_channels(emulator: Emulator, expected: int) -> None:
    """Every calendar and calendar list watched, and each channel's first message delivered
    (so the bridge counts it healthy)."""
    wait_for(lambda: len([c for c in emulator.control("GET", "/channels")["channels"]
                          if c["live"] and c.get("messages", 0) >= 1]) >= expected,
             timeout=900, what="every push channel")


def run_backend(backend: str, counts: list[int], push: list[int], args) -> list[dict]:
    results = []
    emulator = Emulator()
    try:
        started = time.monotonic()
        accounts = seed(emulator, args.users, args.calendars, args.events)
        seeded = time.monotonic() - started
        with tempfile.TemporaryDirectory() as tmp, _database(backend, Path(tmp)) as db:
            linked = link_all(Path(tmp), db, emulator, accounts, args.link_jobs)
            print(json.dumps({"backend": backend, "seed_s": round(seeded, 1),
                              "link_s": round(linked, 1)}), flush=True)
            for processes, with_push in [(n, False) for n in counts] + [(n, True)
                                                                        for n in push]:
                result = {"backend": backend, "processes": processes, "push": with_push,
                          "seed_s": round(seeded, 1), "link_s": round(linked, 1)}
                folder = Path(tmp) / f"run-{processes}-{with_push}"
                folder.mkdir()
                storage = {"freshness": args.freshness}
                port = free_port()      # the load balancer's address: the first process
                if with_push:
                    storage["push_url"] = f"http://127.0.0.1:{port}"
                servers = []
                try:
                    servers = start_servers(folder, db, emulator, args.users, processes,
                                            first_port=port, **storage)
                    if with_push:
                        wait_for_channels(emulator, args.users * (args.calendars + 1))
                    else:
                        result.update(throughput(servers, emulator, db, args))
                    result.update(steady(servers, emulator, args))
                finally:
                    for _, proc in servers:
                        stop_process(proc)
                results.append(result)
                print(json.dumps(result), flush=True)
    finally:
        stop_process(emulator.proc)
    return results


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


def table(results: list[dict]) -> str:
    rows = ["| setup | req/s | p50 ms | p99 ms | errors | server CPU ms/req | PostgreSQL CPU "
            "ms/req | RSS MB per process | Google calls/user/h steady |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        name = (f"{'SQLite' if r['backend'] == 'sqlite' else 'PostgreSQL'}, "
                f"{r['processes']} process{'es' if r['processes'] > 1 else ''}"
                + (", push" if r["push"] else ""))
        rows.append("| " + " | ".join(str(x) for x in (
            name, r.get("requests_per_s", "-"), r.get("p50_ms", "-"), r.get("p99_ms", "-"),
            f"{r.get('errors', '-')} (+{r['steady_errors']} steady)",
            r.get("server_cpu_ms_per_request", "-"), r.get("postgresql_cpu_ms_per_request", "-"),
            ", ".join(str(m) for m in r.get("rss_mb_per_process", [])) or "-",
            r["steady_google_calls_per_user_hour"])) + " |")
    base = [r for r in results if r["backend"] == "postgresql" and r["processes"] == 1
            and not r["push"]]
    for r in results:
        if base and r["backend"] == "postgresql" and not r["push"] and r["processes"] > 1:
            rows.append(f"\nPostgreSQL {r['processes']} processes / 1 process: "
                        f"{r['requests_per_s'] / base[0]['requests_per_s']:.2f}x")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--calendars", type=int, default=3)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--duration", type=float, default=30.0, help="throughput window, s")
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--steady", type=float, default=120.0, help="steady window, s")
    parser.add_argument("--poll", type=float, default=30.0,
                        help="seconds between a steady client's polls")
    parser.add_argument("--freshness", type=float, default=30.0)
    parser.add_argument("--link-jobs", type=int, default=2)
    parser.add_argument("--setups", default=SETUPS)
    parser.add_argument("--push", default="", help="setups measured again with push, "
                                                   "steady state only (e.g. postgresql:2)")
    parser.add_argument("--json")
    args = parser.parse_args()
    if "postgresql" in args.setups + args.push and not os.environ.get(URL_VARIABLE):
        raise SystemExit(f"set {URL_VARIABLE} (e.g. $(.ci/start-postgresql))")
    plan: dict[str, tuple[list[int], list[int]]] = {}
    for setups, slot in ((args.setups, 0), (args.push, 1)):
        for setup in filter(None, setups.split(",")):
            backend, processes = setup.split(":")
            plan.setdefault(backend, ([], []))[slot].append(int(processes))
    results = []
    for backend, (counts, push) in plan.items():
        results += run_backend(backend, counts, push, args)
        if args.json:
            Path(args.json).write_text(json.dumps({"arguments": vars(args),
                                                   "results": results}, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
