"""gcaldav vs stock Radicale, side by side, in one run (issue 7).

    .venv/bin/python -m tests.bench.bench_radicale --events 10000 --json out.json

1. seeds the Google Calendar API emulator (in this process) with N events (a realistic mix:
   timed in several zones, all-day, multi-day, recurring with moved and cancelled instances),
   starts the bridge in its own process (``tests/bench/bridge_runner.py``), links it and
   records the import's wall time and the Google calls it made, per method;
2. fetches the bridge's rendered resources (one calendar-query REPORT with calendar-data),
   writes them as ``.ics`` files into a stock Radicale (``python -m radicale``,
   multifilesystem storage, htpasswd auth, ``owner_only`` rights) and warms its cache with
   one request;
3. measures both servers side by side over HTTP, a fresh connection per request, alternating
   servers request by request, median of ``--runs`` runs after one warm-up run;
4. measures the bridge alone: a Google-side change until visible in sync-collection (with
   ``freshness = 0`` and with the default freshness window), Google calls per change, and the
   peak RSS (VmHWM) of the bridge process at N and at ``--rss-events`` events;
5. prints one table (medians in ms, speed-up = stock time / bridge time) and the issue's
   targets with PASS/FAIL, and writes the same as JSON to ``--json``.

Measuring only: the bridge is used as shipped (default configuration except the data paths).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import http.client
import json
import logging
import os
import platform
import re
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

from gcaldav.configfile import bridge_config
from tests.support import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
USER, PASSWORD = "alice", "secret"
DAV, CALDAV, CS = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://calendarserver.org/ns/"
SEED_CHUNK = 10_000
SHORT, SHORT_REPEATS = 0.05, 5      # requests under 50 ms: five samples per run and server

STOCK_CONFIG = """\
[server]
hosts = 127.0.0.1:{port}

[auth]
type = htpasswd
htpasswd_filename = {htpasswd}
htpasswd_encryption = {encryption}
delay = 0

[rights]
type = owner_only

[storage]
type = multifilesystem
filesystem_folder = {folder}

[logging]
level = warning
"""

# --- request bodies --------------------------------------------------------------------------

PROPFIND_CTAG = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" '
                 'xmlns:CS="http://calendarserver.org/ns/"><D:prop><CS:getctag/></D:prop>'
                 '</D:propfind>')
PROPFIND_CTAG_TOKEN = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" '
                       'xmlns:CS="http://calendarserver.org/ns/"><D:prop><CS:getctag/>'
                       '<D:sync-token/></D:prop></D:propfind>')
PROPFIND_TOKEN = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/>'
                  '</D:prop></D:propfind>')
PROPFIND_ETAGS = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>'
                  '</D:prop></D:propfind>')
PROPFIND_CALENDARS = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>'
                      '<D:resourcetype/></D:prop></D:propfind>')


def sync_collection(token: str) -> str:
    return ('<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:">'
            f'<D:sync-token>{token}</D:sync-token><D:sync-level>1</D:sync-level>'
            '<D:prop><D:getetag/></D:prop></D:sync-collection>')


def multiget(hrefs: list[str]) -> str:
    refs = "".join(f"<D:href>{h}</D:href>" for h in hrefs)
    return ('<?xml version="1.0"?><C:calendar-multiget xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/>'
            f'</D:prop>{refs}</C:calendar-multiget>')


def query_range(start: dt.datetime, end: dt.datetime) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return ('<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>'
            '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
            f'<C:time-range start="{start.strftime(fmt)}" end="{end.strftime(fmt)}"/>'
            '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>')


# --- small clients ---------------------------------------------------------------------------

class Control:
    """The emulator's /_emulator/ control API."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def __call__(self, method: str, path: str, body: object = None, timeout: float = 900):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + "/_emulator" + path, data=data,
                                         method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)

    def calls(self) -> dict[str, int]:
        return dict(sorted(self("GET", "/stats")["calls"].items()))

    def reset(self) -> None:
        self("POST", "/stats/reset", {})


class Reply:
    def __init__(self, status: int, body: bytes, seconds: float):
        self.status, self.body, self.seconds = status, body, seconds

    @property
    def responses(self) -> int:
        return len(re.findall(rb"<(?:[\w-]+:)?response[\s>]", self.body))

    def xml(self) -> ET.Element:
        return ET.fromstring(self.body)


class Server:
    """One CalDAV server over HTTP: a fresh connection per request, timed end to end."""

    def __init__(self, name: str, port: int):
        self.name, self.port = name, port
        auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        self.headers = {"Authorization": f"Basic {auth}"}

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None, timeout: float = 600) -> Reply:
        all_headers = dict(self.headers)
        if body is not None:
            all_headers["Content-Type"] = "application/xml; charset=utf-8"
        all_headers.update(headers or {})
        data = body.encode() if body is not None else None
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=all_headers)
            response = conn.getresponse()
            payload = response.read()
        finally:
            conn.close()
        return Reply(response.status, payload, time.perf_counter() - started)

    def sync_token(self, path: str) -> str:
        reply = self.request("PROPFIND", path, PROPFIND_TOKEN, {"Depth": "0"})
        _expect(reply, 207, f"{self.name} sync-token")
        return reply.xml().find(f".//{{{DAV}}}sync-token").text

    def sync_changes(self, path: str, token: str) -> tuple[Reply, list[str]]:
        reply = self.request("REPORT", path, sync_collection(token), {"Depth": "0"})
        _expect(reply, 207, f"{self.name} sync-collection")
        hrefs = [node.find(f"{{{DAV}}}href").text
                 for node in reply.xml().findall(f"{{{DAV}}}response")]
        return reply, hrefs


def _expect(reply: Reply, status: int, what: str) -> None:
    if reply.status != status:
        raise RuntimeError(f"{what}: HTTP {reply.status}: {reply.body[:500]!r}")


def _rss(pid: int) -> dict[str, float]:
    """VmHWM (peak) and VmRSS of a process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out






class BridgeProcess:
    """``tests/bench/bridge_runner.py`` in a subprocess; JSON lines on its stdout."""

    def __init__(self, config: Path, log: Path, link: tuple[str, str] | None = None,
                 profile: Path | None = None, port: int = 0, timeout: float = 900):
        cmd = [PYTHON, "-m", "tests.bench.bridge_runner", "--config", str(config),
               "--port", str(port)]
        if link:
            cmd += ["--link", *link]
        if profile:
            cmd += ["--profile", str(profile)]
        self.log = log
        self._log_handle = open(log, "ab")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=self._log_handle)
        self.messages: dict = {}
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        while "port" not in self.messages:
            self.messages.update(self._read(timeout))
        self.wall = time.perf_counter() - self.started
        self.server = Server("bridge", self.messages["port"])

    def _read(self, timeout: float) -> dict:
        if not self._selector.select(timeout):
            raise RuntimeError(f"bridge runner silent for {timeout} s; see {self.log}")
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"bridge runner exited ({code}):\n{tail}")
        return json.loads(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        stop_process(self.proc)
        self._selector.close()
        self.proc.stdout.close()
        self._log_handle.close()


# --- the benchmark -----------------------------------------------------------------------------

class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="gcaldav-bench-"))
        self.result: dict = {"meta": {
            "events": args.events, "runs": args.runs, "seed": args.seed,
            "cpus": os.cpu_count(), "python": platform.python_version(),
            "machine": platform.machine(),
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "radicale": _radicale_version(), "gcaldav": _git_state(),
            "auth": f"bcrypt cost {args.bcrypt_cost}" if args.bcrypt_cost else "plain",
            "load_average_at_start": _load_average(),
        }}
        self.procs: list = []

    def log(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.t0:6.1f}s] {message}", file=sys.stderr, flush=True)

    # --- setup ---------------------------------------------------------------------------------

    def start_emulator(self) -> None:
        from emulator import EmulatorServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.emulator = EmulatorServer(port=0).start()
        self.control = Control(self.emulator.base_url)

    def seed(self, email: str, count: int) -> tuple[dict, list[str]]:
        account = self.control("POST", "/accounts", {"email": email})
        ids = []
        for n, start in enumerate(range(0, count, SEED_CHUNK)):
            chunk = min(SEED_CHUNK, count - start)
            ids += self.control("POST", f"/calendars/{email}/events:bulk",
                                {"generate": chunk, "seed": self.args.seed + n})["ids"]
        return account, ids

    def write_bridge_config(self, name: str, data: Path, **extra) -> Path:
        htpasswd = self.work / "users"
        htpasswd.write_text(f"{USER}:{self.password_entry()}\n")
        emu = self.emulator.emulator
        path = self.work / name
        path.write_text(bridge_config(htpasswd=htpasswd, data_dir=data, api=emu.api_url,
                                      token_uri=emu.token_url, **extra).replace(
            "htpasswd_encryption = plain", f"htpasswd_encryption = {self.encryption}"))
        return path

    @property
    def encryption(self) -> str:
        return "bcrypt" if self.args.bcrypt_cost else "plain"

    def password_entry(self) -> str:
        """The htpasswd entry both servers check (bcrypt: what `htpasswd -B -C cost` writes;
        each request's check then costs what a real deployment's does)."""
        if not self.args.bcrypt_cost:
            return PASSWORD
        if not hasattr(self, "_hashed"):
            import bcrypt
            self._hashed = bcrypt.hashpw(PASSWORD.encode(),
                                         bcrypt.gensalt(self.args.bcrypt_cost)).decode()
        return self._hashed

    def import_into_bridge(self, label: str, email: str, count: int,
                           profile: Path | None = None) -> tuple[BridgeProcess, dict]:
        """Seed, then start a bridge process that links (imports) and serves."""
        started = time.perf_counter()
        account, ids = self.seed(email, count)
        seeded = time.perf_counter() - started
        credentials = self.work / f"{label}-google.json"
        credentials.write_text(json.dumps(account))
        data = self.work / f"{label}-data"
        config = self.write_bridge_config(f"{label}.conf", data)
        self.control.reset()
        bridge = BridgeProcess(config, self.work / f"{label}-bridge.log",
                               link=(USER, str(credentials)), profile=profile)
        self.procs.append(bridge)
        info = {"events_seeded": len(ids), "seed_seconds": round(seeded, 2),
                "import_seconds": round(bridge.messages["linked"], 2),
                "process_start_to_serving_seconds": round(bridge.wall, 2),
                "google_calls": self.control.calls(), "rss_after_import_mib": _rss(bridge.pid),
                "database_mib": round(sum(f.stat().st_size for f in data.glob("gcaldav.db*"))
                                      / 2 ** 20, 1)}
        info["_ids"] = ids
        info["_email"] = email
        info["_config"] = config
        info["_data"] = data
        return bridge, info

    def calendar_path(self, server: Server) -> str:
        reply = server.request("PROPFIND", f"/{USER}/", PROPFIND_CALENDARS, {"Depth": "1"})
        _expect(reply, 207, "PROPFIND principal")
        for node in reply.xml().findall(f"{{{DAV}}}response"):
            if node.find(f".//{{{CALDAV}}}calendar") is not None:
                return node.find(f"{{{DAV}}}href").text
        raise RuntimeError("the bridge serves no calendar")

    def load_stock(self, bridge: Server, path: str) -> Server:
        """Copy the bridge's rendered resources into a stock Radicale and warm its cache."""
        started = time.perf_counter()
        # Radicale caps the VEVENTs of one REPORT with calendar-data ([reporting]
        # max_expand_occurrence, 10,000): list the hrefs, then multiget them in chunks.
        listing = bridge.request("PROPFIND", path, PROPFIND_ETAGS, {"Depth": "1"})
        _expect(listing, 207, "bridge PROPFIND depth 1")
        self.hrefs = sorted(
            urllib.parse.unquote(href) for href in
            (n.find(f"{{{DAV}}}href").text for n in listing.xml().findall(f"{{{DAV}}}response"))
            if urllib.parse.unquote(href).rstrip("/") != urllib.parse.unquote(path).rstrip("/"))
        folder = self.work / "stock"
        collection = folder / "collection-root" / USER / urllib.parse.unquote(path).strip(
            "/").split("/")[-1]
        collection.mkdir(parents=True)
        (collection / ".Radicale.props").write_text(json.dumps({
            "tag": "VCALENDAR", "D:displayname": "bench",
            "C:supported-calendar-component-set": "VEVENT"}))
        items = 0
        for chunk in range(0, len(self.hrefs), 1000):
            reply = bridge.request("REPORT", path, multiget(self.hrefs[chunk:chunk + 1000]),
                                   {"Depth": "1"})
            _expect(reply, 207, "bridge calendar-multiget")
            for node in reply.xml().findall(f"{{{DAV}}}response"):
                href = urllib.parse.unquote(node.find(f"{{{DAV}}}href").text)
                text = node.find(f".//{{{CALDAV}}}calendar-data").text
                (collection / href.rsplit("/", 1)[-1]).write_text(text, newline="")
                items += 1
        fetch = time.perf_counter() - started
        port = free_port()
        config = self.work / "stock.conf"
        config.write_text(STOCK_CONFIG.format(port=port, htpasswd=self.work / "users",
                                              encryption=self.encryption,
                                              folder=folder))
        self.stock_log = open(self.work / "stock.log", "ab")
        self.stock_proc = subprocess.Popen([PYTHON, "-m", "radicale", "--config", str(config)],
                                           cwd=self.work, stdout=self.stock_log,
                                           stderr=self.stock_log)
        self.procs.append(self.stock_proc)
        stock = Server("stock", port)
        deadline = time.time() + 60
        while True:
            try:
                if stock.request("PROPFIND", f"/{USER}/", PROPFIND_CTAG,
                                 {"Depth": "0"}).status == 207:
                    break
            except OSError:
                pass
            if time.time() > deadline or self.stock_proc.poll() is not None:
                raise RuntimeError(f"stock Radicale did not start; see {self.work}/stock.log")
            time.sleep(0.2)
        warm = stock.request("PROPFIND", path, PROPFIND_ETAGS, {"Depth": "1"})
        _expect(warm, 207, "stock warm-up")
        self.result["stock"] = {"items": items, "copy_from_bridge_seconds": round(fetch, 2),
                                "cold_cache_first_request_seconds": round(warm.seconds, 2),
                                "folder_mib": round(sum(f.stat().st_size for f in
                                                        collection.iterdir()) / 2 ** 20, 1)}
        return stock

    # --- side by side ----------------------------------------------------------------------------

    def requests(self, path: str, tokens: dict[str, str]) -> dict[str, object]:
        """name -> function(server) -> Reply."""
        step = max(1, len(self.hrefs) // 100)
        hundred = self.hrefs[::step][:100]
        item = self.hrefs[len(self.hrefs) // 2]
        monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
        start = dt.datetime.combine(monday, dt.time(0), dt.timezone.utc)
        self.result["meta"]["query_week"] = [start.isoformat(),
                                             (start + dt.timedelta(days=7)).isoformat()]
        week = query_range(start, start + dt.timedelta(days=7))
        return {
            "ctag PROPFIND (depth 0)":
                lambda s: s.request("PROPFIND", path, PROPFIND_CTAG, {"Depth": "0"}),
            # What Apple, DAVx5 and Thunderbird ask on every poll.
            "getctag + sync-token PROPFIND (depth 0)":
                lambda s: s.request("PROPFIND", path, PROPFIND_CTAG_TOKEN, {"Depth": "0"}),
            "PROPFIND depth 1 getetag":
                lambda s: s.request("PROPFIND", path, PROPFIND_ETAGS, {"Depth": "1"}),
            "sync-collection, no change":
                lambda s: s.request("REPORT", path, sync_collection(tokens[s.name]),
                                    {"Depth": "0"}),
            "sync-collection, initial":
                lambda s: s.request("REPORT", path, sync_collection(""), {"Depth": "0"}),
            "calendar-multiget 100 (etag+data)":
                lambda s: s.request("REPORT", path, multiget(hundred), {"Depth": "1"}),
            "calendar-query 1 week (getetag)":
                lambda s: s.request("REPORT", path, week, {"Depth": "1"}),
            "GET one item":
                lambda s: s.request("GET", item),
        }

    def side_by_side(self, bridge: Server, stock: Server, path: str) -> None:
        tokens = {"bridge": bridge.sync_token(path), "stock": stock.sync_token(path)}
        plan = self.requests(path, tokens)
        samples = {name: {"bridge": [], "stock": []} for name in plan}
        shape = {}
        servers = (bridge, stock)
        self.control.reset()
        repeats = {}
        for run in range(self.args.runs + 1):           # run 0 is the warm-up
            for name, make in plan.items():
                order = servers if run % 2 == 0 else servers[::-1]
                # A request of a few ms is within the machine's noise: several per run.
                for _ in range(repeats.get(name, 1) if run else 1):
                    for server in order:
                        reply = make(server)
                        _expect(reply, 200 if name == "GET one item" else 207,
                                f"{server.name} {name}")
                        if run:
                            samples[name][server.name].append(reply.seconds * 1000)
                            continue
                        shape.setdefault(name, {})[server.name] = {
                            "responses": reply.responses, "bytes": len(reply.body)}
                        if reply.seconds < SHORT:
                            repeats[name] = max(repeats.get(name, 1), SHORT_REPEATS)
            if run:
                self.log(f"run {run}/{self.args.runs} done")
        self.result["side_by_side_google_calls"] = self.control.calls()
        table = {}
        for name, by_server in samples.items():
            b, s = (statistics.median(by_server[k]) for k in ("bridge", "stock"))
            table[name] = {"bridge_ms": round(b, 2), "stock_ms": round(s, 2),
                           "speedup": round(s / b, 2) if b else None,
                           "bridge_samples_ms": [round(x, 2) for x in by_server["bridge"]],
                           "stock_samples_ms": [round(x, 2) for x in by_server["stock"]],
                           "shape": shape[name]}
        self.result["requests"] = table

    # --- bridge alone -------------------------------------------------------------------------

    def change_with_window(self, bridge: Server, path: str, email: str, event_id: str) -> None:
        """Default freshness: how long until a Google-side change is visible to a polling
        client (polls every 0.25 s); bounded by the freshness window."""
        token = bridge.sync_token(path)
        self.control.reset()
        self.control("PATCH", f"/calendars/{email}/events/{event_id}",
                     {"summary": "bench change (window)"})
        changed_at = time.perf_counter()
        polls = 0
        while True:
            polls += 1
            reply, hrefs = bridge.sync_changes(path, token)
            if hrefs:
                break
            if time.perf_counter() - changed_at > 120:
                raise RuntimeError("change not visible after 120 s")
            time.sleep(0.25)
        self.result["change_default_freshness"] = {
            "visible_after_s": round(time.perf_counter() - changed_at, 2), "polls": polls,
            "hrefs": len(hrefs), "google_calls": self.control.calls(),
            "note": "bounded by the freshness window (default 30 s) and, in builds with "
                    "background polling, by its interval for polled calendars"}

    def change_fresh0(self, bridge: Server, path: str, email: str, ids: list[str]) -> None:
        """freshness = 0: every request asks Google first; the next sync-collection after a
        Google-side change shows it."""
        latencies, calls, nochange = [], [], []
        for k in range(self.args.runs):
            token = bridge.sync_token(path)
            self.control.reset()
            reply, hrefs = bridge.sync_changes(path, token)       # no change, but a Google call
            nochange.append(reply.seconds * 1000)
            if hrefs:
                raise RuntimeError(f"unexpected change: {hrefs}")
            self.control("PATCH", f"/calendars/{email}/events/{ids[k]}",
                         {"summary": f"bench change {k}"})
            self.control.reset()
            reply, hrefs = bridge.sync_changes(path, token)
            if not hrefs:
                raise RuntimeError("freshness=0: change not visible in the next sync-collection")
            latencies.append(reply.seconds * 1000)
            calls.append(self.control.calls())
        self.result["change_freshness_0"] = {
            "sync_collection_with_change_ms": round(statistics.median(latencies), 2),
            "samples_ms": [round(x, 2) for x in latencies],
            "google_calls_per_change": calls[len(calls) // 2],
            "sync_collection_no_change_ms": round(statistics.median(nochange), 2),
            "note": "latency = the sync-collection request that carries the change (it syncs "
                    "with Google first); the no-change figure is the same request when Google "
                    "has nothing new"}

    def change_with_push(self, data: Path, path: str, email: str, ids: list[str]) -> None:
        """push_url set (a plain-http loopback webhook): the bridge watches the calendar; a
        Google-side change is pushed, synced in the background, then visible to a client that
        polls sync-collection every 50 ms. Skipped if this build has no push option."""
        from radicale_plugin.options import PLUGIN_SCHEMA
        if "push_url" not in PLUGIN_SCHEMA["storage"]:
            self.result["change_push"] = {"skipped": "this build has no push_url option"}
            return
        port = free_port()
        pushed = self.write_bridge_config("push.conf", data,
                                          push_url=f"http://127.0.0.1:{port}")
        bridge = BridgeProcess(pushed, self.work / "push-bridge.log", port=port)
        self.procs.append(bridge)
        try:
            deadline = time.time() + 60
            while not any(c["live"] and "/events" in c.get("resourceUri", "")
                          and c.get("messages", 0) >= 1
                          for c in self.control("GET", "/channels")["channels"]):
                if time.time() > deadline:
                    raise RuntimeError("no live push channel on the calendar after 60 s")
                time.sleep(0.2)
            time.sleep(1.0)        # let the channel's first sync settle
            latencies, calls = [], []
            for k in range(self.args.runs):
                token = bridge.server.sync_token(path)
                self.control.reset()
                self.control("PATCH", f"/calendars/{email}/events/{ids[k]}",
                             {"summary": f"bench push change {k}"})
                changed_at = time.perf_counter()
                while True:
                    _, hrefs = bridge.server.sync_changes(path, token)
                    if hrefs:
                        break
                    if time.perf_counter() - changed_at > 60:
                        raise RuntimeError("pushed change not visible after 60 s")
                    time.sleep(0.05)
                latencies.append(time.perf_counter() - changed_at)
                calls.append(self.control.calls())
                time.sleep(0.5)
            self.result["change_push"] = {
                "visible_after_s": round(statistics.median(latencies), 3),
                "samples_s": [round(x, 3) for x in latencies],
                "google_calls_per_change": calls[len(calls) // 2],
                "note": "client polls every 50 ms; includes the bridge's push coalescing delay"}
        except Exception as exc:        # the push path is new; keep the other results
            self.result["change_push"] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            bridge.stop()

    # --- run -------------------------------------------------------------------------------------

    def run(self) -> dict:
        self.t0 = time.perf_counter()
        args = self.args
        try:
            self.start_emulator()
            self.log(f"seeding {args.events} events and importing them into the bridge")
            bridge, info = self.import_into_bridge("main", "bench@example.com", args.events,
                                                   profile=args.profile_import and
                                                   args.profile_import.resolve())
            email, ids = info.pop("_email"), info.pop("_ids")
            data = info.pop("_data")
            info.pop("_config")
            self.result["import"] = info
            self.log(f"import: {info['import_seconds']} s, calls {info['google_calls']}")
            path = self.calendar_path(bridge.server)
            self.result["meta"]["calendar_path"] = path
            stock = self.load_stock(bridge.server, path)
            self.log(f"stock Radicale loaded: {self.result['stock']}")
            self.side_by_side(bridge.server, stock, path)
            stop_process(self.stock_proc)
            self.stock_log.close()
            if not args.skip_window:
                self.log("change -> visible with the default freshness window")
                self.change_with_window(bridge.server, path, email, ids[-1])
            self.result["rss"] = {str(args.events): {
                "after_import": info["rss_after_import_mib"],
                "after_benchmark": _rss(bridge.pid)}}
            bridge.stop()
            self.log("change -> visible with freshness = 0")
            config0 = self.write_bridge_config("fresh0.conf", data, freshness=0)
            bridge0 = BridgeProcess(config0, self.work / "fresh0-bridge.log")
            self.procs.append(bridge0)
            self.change_fresh0(bridge0.server, path, email, ids[: args.runs])
            bridge0.stop()
            self.log("change -> visible with push")
            self.change_with_push(data, path, email, ids[args.runs: 2 * args.runs])
            if args.rss_events:
                self.log(f"peak RSS at {args.rss_events} events")
                big, big_info = self.import_into_bridge("rss", "bench-rss@example.com",
                                                        args.rss_events)
                for key in ("_email", "_ids", "_data", "_config"):
                    big_info.pop(key)
                big_path = self.calendar_path(big.server)
                full = big.server.request("PROPFIND", big_path, PROPFIND_ETAGS, {"Depth": "1"})
                _expect(full, 207, "PROPFIND depth 1 at rss size")
                initial = big.server.request("REPORT", big_path, sync_collection(""),
                                             {"Depth": "0"})
                _expect(initial, 207, "initial sync at rss size")
                big_info["propfind_depth1_ms"] = round(full.seconds * 1000, 1)
                big_info["initial_sync_ms"] = round(initial.seconds * 1000, 1)
                self.result["rss"][str(args.rss_events)] = {
                    "after_import": big_info["rss_after_import_mib"],
                    "after_benchmark": _rss(big.pid)}
                self.result["import_rss_run"] = big_info
                big.stop()
            self.result["meta"]["total_seconds"] = round(time.perf_counter() - self.t0, 1)
            self.result["meta"]["load_average_at_end"] = _load_average()
            self.result["targets"] = targets(self.result, args)
            return self.result
        finally:
            for proc in self.procs:
                if isinstance(proc, BridgeProcess):
                    if proc.proc.poll() is None:
                        proc.stop()
                else:
                    stop_process(proc)
            if hasattr(self, "emulator"):
                self.emulator.stop()
            if args.keep:
                print(f"kept {self.work}", file=sys.stderr)
            else:
                shutil.rmtree(self.work, ignore_errors=True)


def _git_state() -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                                "--", "bridge", "radicale_plugin"], cwd=ROOT, text=True,
                               capture_output=True, check=True).stdout.split("\n")
        changed = [line for line in dirty if line.strip()]
        if not changed:
            return head
        diff = subprocess.run(["git", "diff", "HEAD", "--", "bridge", "radicale_plugin"],
                              cwd=ROOT, capture_output=True, check=True).stdout
        return (f"{head} + {len(changed)} modified product files "
                f"(diff {hashlib.sha256(diff).hexdigest()[:8]})")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _load_average() -> list[float] | None:
    """The machine's 1/5/15-minute load: other work running beside the benchmark."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _radicale_version() -> str:
    from importlib.metadata import version
    return version("radicale")


# --- targets and report -----------------------------------------------------------------------

def targets(result: dict, args) -> list[dict]:
    req = result["requests"]
    out = []

    def ratio(name: str, minimum: float, text: str) -> None:
        measured = req[name]["speedup"]
        out.append({"target": text, "measured": f"{measured:.1f}x",
                    "pass": measured is not None and measured >= minimum})

    ratio("ctag PROPFIND (depth 0)", 50, "ctag PROPFIND >= 50x faster")
    ratio("getctag + sync-token PROPFIND (depth 0)", 50,
          "getctag + sync-token PROPFIND >= 50x faster")
    ratio("calendar-multiget 100 (etag+data)", 1, "calendar-multiget 100 >= stock speed")
    ratio("GET one item", 1, "GET one item >= stock speed")
    ratio("sync-collection, no change", 50, "no-change sync-collection >= 50x faster")
    ratio("calendar-query 1 week (getetag)", 50, "1-week calendar-query >= 50x faster")
    for name in ("PROPFIND depth 1 getetag", "sync-collection, initial"):
        share = req[name]["bridge_ms"] / req[name]["stock_ms"]
        out.append({"target": f"{name} <= 0.5x stock time",
                    "measured": f"{share:.2f}x stock time (speed-up {req[name]['speedup']:.2f}x)",
                    "pass": share <= 0.5})
    slowest = min(req, key=lambda name: req[name]["speedup"])
    out.append({"target": "every request >= stock speed",
                "measured": f"slowest {slowest}: {req[slowest]['speedup']:.2f}x",
                "pass": req[slowest]["speedup"] >= 1})
    calls = result["import"]["google_calls"].get("events.list", 0)
    out.append({"target": "initial import <= 5 events.list calls",
                "measured": f"{calls} calls", "pass": calls <= 5})
    seconds = result["import"]["import_seconds"]
    out.append({"target": "initial import < 20 s", "measured": f"{seconds:.1f} s",
                "pass": seconds < 20})
    big = result["rss"].get(str(args.rss_events)) if args.rss_events else None
    if big:
        peak = big["after_benchmark"]["VmHWM"]
        out.append({"target": f"peak RSS at {args.rss_events} events < 300 MB",
                    "measured": f"{peak:.0f} MiB ({peak * 1.048576:.0f} MB)",
                    "pass": peak * 1.048576 < 300})
    else:
        out.append({"target": "peak RSS at 50000 events < 300 MB",
                    "measured": "not measured (--rss-events 0)", "pass": None})
    return out


def report(result: dict) -> str:
    lines = []
    meta = result["meta"]
    lines.append(f"gcaldav {meta['gcaldav']} vs stock Radicale {meta['radicale']}: "
                 f"{meta['events']} events "
                 f"seeded, median of {meta['runs']} runs, {meta['cpus']} CPUs, "
                 f"Python {meta['python']}")
    lines.append("")
    lines.append(f"{'request':<36}{'bridge ms':>11}{'stock ms':>11}{'speed-up':>10}"
                 f"{'responses b/s':>16}")
    for name, row in result["requests"].items():
        shape = row["shape"]
        counts = "-" if name == "GET one item" else \
            f"{shape['bridge']['responses']}/{shape['stock']['responses']}"
        lines.append(f"{name:<36}{row['bridge_ms']:>11.2f}{row['stock_ms']:>11.2f}"
                     f"{row['speedup']:>9.1f}x{counts:>16}")
    imp = result["import"]
    lines.append("")
    lines.append(f"initial import: {imp['import_seconds']:.2f} s for {imp['events_seeded']} "
                 f"seeded events; Google calls {imp['google_calls']}")
    stock = result["stock"]
    lines.append(f"stock load: {stock['items']} .ics files; cold-cache first request "
                 f"{stock['cold_cache_first_request_seconds']:.2f} s")
    lines.append(f"Google calls during the side-by-side phase (default freshness): "
                 f"{result['side_by_side_google_calls']}")
    fresh0 = result["change_freshness_0"]
    lines.append(f"change -> visible, freshness=0: next sync-collection "
                 f"{fresh0['sync_collection_with_change_ms']:.1f} ms (no-change "
                 f"{fresh0['sync_collection_no_change_ms']:.1f} ms), Google calls per change "
                 f"{fresh0['google_calls_per_change']}")
    window = result.get("change_default_freshness")
    if window:
        lines.append(f"change -> visible, default freshness: after "
                     f"{window['visible_after_s']:.1f} s ({window['polls']} polls), Google "
                     f"calls {window['google_calls']}")
    push = result.get("change_push", {})
    if "visible_after_s" in push:
        lines.append(f"change -> visible with push: after {push['visible_after_s']:.2f} s "
                     f"(median), Google calls per change {push['google_calls_per_change']}")
    else:
        lines.append(f"change -> visible with push: {push.get('skipped') or push.get('error')}")
    for size, rss in result["rss"].items():
        lines.append(f"bridge peak RSS (VmHWM) at {size} events: after import "
                     f"{rss['after_import']['VmHWM']:.0f} MiB, after requests "
                     f"{rss['after_benchmark']['VmHWM']:.0f} MiB")
    if "import_rss_run" in result:
        big = result["import_rss_run"]
        lines.append(f"import at {big['events_seeded']} events: {big['import_seconds']:.1f} s, "
                     f"Google calls {big['google_calls']}; PROPFIND depth 1 "
                     f"{big['propfind_depth1_ms']:.0f} ms, initial sync "
                     f"{big['initial_sync_ms']:.0f} ms")
    lines.append("")
    lines.append(f"passwords: htpasswd {meta.get('auth', 'plain')} on both servers")
    lines.append("targets (issues 7 and 14):")
    for row in result["targets"]:
        verdict = {True: "PASS", False: "FAIL", None: "----"}[row["pass"]]
        lines.append(f"  {verdict}  {row['target']:<48} measured {row['measured']}")
    lines.append(f"\ntotal time {meta['total_seconds']:.0f} s; machine load (1/5/15 min) "
                 f"{meta.get('load_average_at_start')} at start, "
                 f"{meta.get('load_average_at_end')} at end")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.bench_radicale",
        description="Benchmark gcaldav against stock Radicale (issue 7).")
    parser.add_argument("--events", type=int, default=10_000, help="events to seed (10000)")
    parser.add_argument("--runs", type=int, default=9,
                        help="measured runs per request after one warm-up (9; at least 7 for "
                             "the issue's figures)")
    parser.add_argument("--rss-events", type=int, default=50_000,
                        help="second import that measures peak RSS (50000; 0 skips it)")
    parser.add_argument("--seed", type=int, default=7, help="generator seed")
    parser.add_argument("--json", type=Path, required=True, help="write the results here")
    parser.add_argument("--skip-window", action="store_true",
                        help="skip the change-visibility measurement with the default "
                             "freshness window (it waits up to 30 s)")
    parser.add_argument("--profile-import", type=Path, metavar="OUT",
                        help="cProfile the bridge's initial import into OUT")
    parser.add_argument("--bcrypt-cost", type=int, default=0, metavar="COST",
                        help="htpasswd passwords hashed with bcrypt at this cost (5 is what "
                             "`htpasswd -B` writes) on both servers, so each request pays a "
                             "real password check; 0 (default): plain text")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    result = Bench(args).run()
    text = report(result)
    print(text)
    result["table"] = text.splitlines()
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
