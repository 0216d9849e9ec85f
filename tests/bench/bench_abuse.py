"""Abuse cases against a real ``gcaldav serve`` process: answer, time and the server's memory.

    python -m tests.bench.bench_abuse [--json OUT] [--only NAME ...]

Starts the emulator and a bridge server (default [server] limits: 100 MB max_content_length,
30 s timeout, 8 workers; header_timeout 10 s) in processes of their own, links one account,
then runs each case over raw sockets or HTTP and prints one line per case: the status the
client got, the seconds until the answer (or the close), and the server's RSS before and
after the case and its peak so far (VmHWM). Figures, not assertions: the unit tests
(tests/gcaldav/test_door_abuse.py, tests/radicale_plugin/test_recurrence_bombs.py) hold the
pass/fail checks; this shows what the memory does on a real process.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from bridge.service import Bridge
from bridge.settings import Settings
from gcaldav.configfile import bridge_config
from tests.bench.bench_cluster import Emulator
from tests.gcaldav.test_door_abuse import BOMBS as XML_BOMBS
from tests.radicale_plugin.test_recurrence_bombs import BOMBS as RECURRENCE_BOMBS
from tests.radicale_plugin.test_recurrence_bombs import HEAD as ICAL_HEAD
from tests.support import free_port, stop_process, wait_for

AUTH = "Basic " + base64.b64encode(b"alice:secret").decode()
MB = 1 << 20


def memory(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM", "Threads"):
            fields[name] = int(value.split()[0])
    return {"rss_mb": fields["VmRSS"] / 1024, "peak_mb": fields["VmHWM"] / 1024,
            "threads": fields["Threads"]}


class Target:
    def __init__(self, host: str, port: int, calendar: str):
        self.host, self.port, self.calendar = host, port, calendar
        self.url = f"http://{host}:{port}"

    def connect(self, timeout: float = 60) -> socket.socket:
        return socket.create_connection((self.host, self.port), timeout=timeout)


def answer_of(sock: socket.socket) -> str:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return match.group(1).decode() if match else "closed"


def streamed_put(target: Target, size: int, auth: bool) -> dict:
    """Headers announcing ``size`` bytes, then the body as fast as the server takes it,
    until it answers or closes."""
    head = (f"PUT {target.calendar}big.ics HTTP/1.1\r\nHost: x\r\nContent-Type: text/calendar"
            f"\r\nContent-Length: {size}\r\n" + (f"Authorization: {AUTH}\r\n" if auth else "")
            + "\r\n").encode()
    chunk, sent = b"X" * MB, 0
    with target.connect() as sock:
        sock.sendall(head)
        while sent < size:
            if select.select([sock], [], [], 0)[0]:
                break           # the server answered before the body was in
            try:
                sock.sendall(chunk[:size - sent])
            except OSError:
                break
            sent += min(MB, size - sent)
        status = answer_of(sock)
    return {"status": status, "body_sent_mb": round(sent / MB, 1)}


def dav(target: Target, method: str, body: bytes, path: str | None = None,
        **headers) -> dict:
    answer = requests.request(method, target.url + (path or target.calendar), data=body,
                              auth=("alice", "secret"), timeout=600,
                              headers={"Content-Type": "text/xml", "Depth": "1", **headers})
    return {"status": str(answer.status_code), "says": answer.text[:80].strip()}


def xml_bomb(name: str):
    def run(target: Target) -> dict:
        method = "REPORT" if "filter" in name else "PROPFIND"
        return dav(target, method, XML_BOMBS[name].encode())
    return run


def recurrence_bomb(name: str):
    def run(target: Target) -> dict:
        uid = str(uuid.uuid4())
        text = ICAL_HEAD + RECURRENCE_BOMBS[name][0](uid) + "END:VCALENDAR\r\n"
        return dav(target, "PUT", text.encode(), target.calendar + f"{uid}.ics",
                   **{"Content-Type": "text/calendar"})
    return run


def garbage_put(size: int):
    def run(target: Target) -> dict:
        return dav(target, "PUT", b"BEGIN:VCALENDAR\r\n" + b"X" * size,
                   target.calendar + "garbage.ics", **{"Content-Type": "text/calendar"})
    return run


def slowloris(target: Target, clients: int = 8) -> dict:
    """``clients`` connections (one per worker) trickling headers a byte each 0.5 s."""
    head = (f"PROPFIND {target.calendar} HTTP/1.1\r\nHost: x\r\n"
            + "".join(f"X-Pad-{n}: {'x' * 60}\r\n" for n in range(60))).encode()
    socks = [target.connect() for _ in range(clients)]
    cut, started, sent = {}, time.monotonic(), 0
    while len(cut) < clients and sent < len(head):
        for n, sock in enumerate(socks):
            if n not in cut:
                try:
                    sock.sendall(head[sent:sent + 1])
                except OSError:
                    cut[n] = (time.monotonic() - started, answer_of(sock))
        sent += 1
        time.sleep(0.5)
    for sock in socks:
        sock.close()
    statuses = sorted({status for _, status in cut.values()})
    return {"status": "/".join(statuses) or "never cut", "cut": len(cut),
            "last_cut_s": round(max((s for s, _ in cut.values()), default=0), 1)}


def idle_connections(target: Target, count: int = 200) -> dict:
    """``count`` connections that send nothing; a normal request meanwhile; until all are
    answered or closed."""
    socks = [target.connect(timeout=120) for _ in range(count)]
    started = time.monotonic()
    normal = requests.request("PROPFIND", target.url + target.calendar, timeout=120,
                              auth=("alice", "secret"), headers={"Depth": "0"})
    normal_s = time.monotonic() - started
    busy = closed = 0
    for sock in socks:
        answer = answer_of(sock)
        busy += answer == "503"
        closed += answer == "closed"
        sock.close()
    return {"status": f"{busy}x503/{closed}xclosed", "normal_request": normal.status_code,
            "normal_request_s": round(normal_s, 2)}


def bad_headers(target: Target) -> dict:
    statuses = []
    for header in ("Content-Length: abc", "Content-Length: 1e3",
                   "Content-Length: " + "9" * 23, "Authorization: Basic !!!",
                   "Authorization: Basic " + base64.b64encode(b"nocolon").decode()):
        with target.connect() as sock:
            sock.sendall(f"PROPFIND {target.calendar} HTTP/1.1\r\nHost: x\r\n{header}\r\n"
                         "\r\n".encode())
            statuses.append(answer_of(sock))
    return {"status": ",".join(sorted(set(statuses)))}


def many_lines(count: int):
    def run(target: Target) -> dict:
        body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:l\r\n"
                "DTSTART:20260101T000000Z\r\n" + "".join(f"X-P{n}:v\r\n" for n in range(count))
                + "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()
        return {**dav(target, "PUT", body, target.calendar + "lines.ics",
                      **{"Content-Type": "text/calendar"}), "body_mb": round(len(body) / MB, 1)}
    return run


def long_lines(total: int, line: int):
    def run(target: Target) -> dict:
        count = max(1, total // line)
        body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:w\r\n"
                "DTSTART:20260101T000000Z\r\n" + "".join(f"X-W{n}:" + "a" * line + "\r\n"
                                                        for n in range(count))
                + "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()
        return {**dav(target, "PUT", body, target.calendar + "wide.ics",
                      **{"Content-Type": "text/calendar"}), "body_mb": round(len(body) / MB, 1)}
    return run


CASES = {
    "400 MB PUT, no login": lambda t: streamed_put(t, 400 * MB, auth=False),
    "150 MB PUT, logged in": lambda t: streamed_put(t, 150 * MB, auth=True),
    "50 MB garbage PUT (under the limit)": garbage_put(50 * MB),
    "PUT of 3,000,000 short lines (50 MB)": many_lines(3_000_000),
    "PUT of 19,000 short lines (under the limit)": many_lines(19_000),
    "PUT of one 50 MB property line": long_lines(50 * MB, 50 * MB),
    "PUT of one 0.95 MB property line": long_lines(950_000, 950_000),
    "PUT of 0.95 MB in 90 kB lines (under limits)": long_lines(950_000, 90_000),
    **{f"XML: {name}": xml_bomb(name) for name in XML_BOMBS},
    **{f"recurrence: {name}": recurrence_bomb(name) for name in RECURRENCE_BOMBS},
    "bad headers (5 kinds)": bad_headers,
    "slowloris, 8 clients": slowloris,
    "200 idle connections": idle_connections,
}


def start(folder: Path, emulator: Emulator) -> tuple[subprocess.Popen, Target]:
    account = emulator.control("POST", "/accounts", {"email": "alice@example.com"})
    (folder / "google.json").write_text(json.dumps(account))
    (folder / "users").write_text("alice:secret\n")
    Bridge(Settings(data_dir=str(folder / "data"), google_api_endpoint=emulator.api,
                    google_token_uri=emulator.token_uri)).link("alice",
                                                               str(folder / "google.json"))
    port = free_port()
    config = folder / "config"
    config.write_text(bridge_config(htpasswd=folder / "users", data_dir=folder / "data",
                                    api=emulator.api, token_uri=emulator.token_uri, port=port))
    log = (folder / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "gcaldav.cli", "serve", "--config",
                             str(config)], stdout=log, stderr=subprocess.STDOUT)
    target = Target("127.0.0.1", port, "")

    def up() -> bool:
        try:
            return requests.get(target.url + "/healthz", timeout=5).ok
        except requests.ConnectionError:
            return False
    wait_for(up, timeout=120, what="the server")
    listing = requests.request("PROPFIND", target.url + "/alice/", auth=("alice", "secret"),
                               headers={"Depth": "1"}, timeout=60).text
    target.calendar = next(h for h in re.findall(r"<href>([^<]+)</href>", listing)
                           if h.count("/") == 3 and h != "/alice/")
    return proc, target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--only", nargs="*", help="run only cases whose name contains these")
    parser.add_argument("--log", help="copy the server's log here")
    args = parser.parse_args(argv)
    cases = {name: run for name, run in CASES.items()
             if not args.only or any(part in name for part in args.only)}
    emulator = Emulator()
    rows = []
    with tempfile.TemporaryDirectory(prefix="gcaldav-abuse-") as folder:
        proc, target = start(Path(folder), emulator)
        try:
            print(f"{'case':44} {'status':>22} {'s':>7} {'RSS before':>10} {'after':>7} "
                  f"{'peak':>7} {'threads':>7}")
            for name, run in cases.items():
                before = memory(proc.pid)
                started = time.monotonic()
                result = run(target)
                seconds = time.monotonic() - started
                after = memory(proc.pid)
                alive = proc.poll() is None
                row = {"case": name, "seconds": round(seconds, 2), "rss_before_mb":
                       round(before["rss_mb"], 1), "rss_after_mb": round(after["rss_mb"], 1),
                       "peak_mb": round(after["peak_mb"], 1), "threads": after["threads"],
                       "server_alive": alive, **result}
                rows.append(row)
                print(f"{name[:44]:44} {row['status'][:22]:>22} {seconds:7.2f} "
                      f"{before['rss_mb']:10.0f} {after['rss_mb']:7.0f} "
                      f"{after['peak_mb']:7.0f} {after['threads']:7d}", flush=True)
                if not alive:
                    print("the server died", flush=True)
                    break
        finally:
            stop_process(proc)
            stop_process(emulator.proc)
            if args.log:
                shutil.copy(Path(folder) / "server.log", args.log)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
