"""``gcaldav demo``: the emulator with demo data and a bridge linked to it, nothing to
configure. Its files (a password, credentials, the database) live in a private temporary
folder that is removed when the demo ends, also on SIGTERM."""

from __future__ import annotations

import argparse
import errno
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import urllib.request

HOST_HELP = ("address to listen on (default 127.0.0.1, this machine only); 0.0.0.0 lets a "
             "phone or another computer on your network connect (plain http: use it on a "
             "network you trust)")


def run(args: argparse.Namespace) -> int:
    taken = _port_taken(args.host, args.port)
    if taken:
        print(f"gcaldav demo: {taken}", file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="gcaldav-demo-")     # 0700
    signal.signal(signal.SIGTERM, _exit)
    try:
        return _demo(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _exit(signum, frame) -> None:
    raise SystemExit(0)         # unwinds through ``finally``: the folder goes


def _port_taken(host: str, port: int) -> str | None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As the server will bind: a port whose last connections linger in TIME_WAIT (a demo
        # just ended) is free; one another server listens on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is taken (another gcaldav, Radicale or demo?); "
                        f"pick another with --port, e.g. --port {port + 1}")
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def _private(path: str, data: str | bytes) -> None:
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), mode) as handle:
        handle.write(data)


def _demo(args: argparse.Namespace, workdir: str) -> int:
    from emulator import EmulatorServer

    from .cli import _link, _serve_until_interrupted
    from .configfile import bridge_config
    from .server import load_configuration, make_server

    emulator = EmulatorServer("127.0.0.1", 0, seed_name="demo").start()
    try:
        password = args.password or secrets.token_urlsafe(9)
        htpasswd = os.path.join(workdir, "users")
        _private(htpasswd, f"demo:{password}\n")
        request = urllib.request.Request(
            emulator.base_url + "/_emulator/accounts", method="POST",
            data=json.dumps({"email": "demo@example.com"}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            credentials_file = os.path.join(workdir, "google.json")
            _private(credentials_file, response.read())
        config_file = os.path.join(workdir, "config")
        _private(config_file, bridge_config(
            htpasswd=htpasswd, data_dir=os.path.join(workdir, "data"), host=args.host,
            port=args.port, api=emulator.emulator.api_url,
            token_uri=emulator.emulator.token_url,
            # Push on loopback: the emulator notifies the demo of "Google-side" changes.
            push_url=(f"http://127.0.0.1:{args.port}"
                      if args.host in ("127.0.0.1", "localhost", "0.0.0.0") else None)))
        link = argparse.Namespace(config=config_file, user="demo",
                                  credentials=credentials_file, subject=None)
        if _link(link) != 0:
            return 1
        server = make_server(load_configuration(config_file))
        try:
            print(f"gcaldav demo ready: CalDAV http://{args.host}:{args.port}/  user demo  "
                  f"password {password}\n  (Google emulator at {emulator.base_url}; files in "
                  f"{workdir}, removed on exit; Ctrl-C ends the demo)", flush=True)
            _serve_until_interrupted(server.serve_forever)
        finally:
            server.server_close()
    finally:
        emulator.stop()
    return 0
