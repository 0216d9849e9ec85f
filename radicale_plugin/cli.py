"""The ``gcaldav`` command: serve, link, demo, emulator."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import sys
import tempfile
import urllib.request


def _emulator(args: argparse.Namespace) -> int:
    from bridge.emulator import EmulatorServer

    server = EmulatorServer(args.host, args.port, seed_name=args.seed)
    emulator = server.emulator
    print(f"gcaldav emulator ready: API {emulator.api_url} token {emulator.token_url} "
          f"control {server.base_url}/_emulator/", flush=True)
    _serve_until_interrupted(server.serve_forever)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .server import load_configuration, make_server

    server = make_server(load_configuration(args.config), args.host, args.port)
    host, port = server.server_address[:2]
    print(f"gcaldav serving CalDAV on http://{host}:{port}/", flush=True)
    _serve_until_interrupted(server.serve_forever)
    return 0


def _link(args: argparse.Namespace) -> int:
    from bridge.google import GoogleError
    from bridge.google.credentials import CredentialsError

    from .options import PLUGIN_SCHEMA, settings_from
    from .registry import register
    from .server import load_configuration

    configuration = load_configuration(args.config)
    bridge = register(configuration, settings_from(configuration.copy(PLUGIN_SCHEMA)))
    try:
        bridge.link(args.user, args.credentials, subject=args.subject, progress=_progress)
    except (CredentialsError, GoogleError) as exc:
        print(f"gcaldav link: {exc}", file=sys.stderr)
        return 1
    print(f"linked {args.user}: {len(bridge.store.calendars(args.user))} calendars", flush=True)
    return 0


def _progress(name: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done == total else ""
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}",
          end=end, file=sys.stderr, flush=True)


def _demo(args: argparse.Namespace) -> int:
    """The emulator with demo data plus the bridge on HOST:PORT, nothing to configure."""
    from bridge.emulator import EmulatorServer

    from .server import load_configuration, make_server

    emulator = EmulatorServer("127.0.0.1", 0, seed_name="demo").start()
    workdir = tempfile.mkdtemp(prefix="gcaldav-demo-")
    password = args.password or secrets.token_urlsafe(9)
    htpasswd = os.path.join(workdir, "users")
    with open(os.open(htpasswd, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
        handle.write(f"demo:{password}\n")
    request = urllib.request.Request(
        emulator.base_url + "/_emulator/accounts", method="POST",
        data=json.dumps({"email": "demo@example.com"}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        credentials = response.read()
    credentials_file = os.path.join(workdir, "google.json")
    with open(os.open(credentials_file, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as handle:
        handle.write(credentials)
    config_file = os.path.join(workdir, "config")
    with open(config_file, "w") as handle:
        handle.write(DEMO_CONFIG.format(host=args.host, port=args.port, htpasswd=htpasswd,
                                        data=os.path.join(workdir, "data"),
                                        api=emulator.emulator.api_url,
                                        token=emulator.emulator.token_url))
    link = argparse.Namespace(config=config_file, user="demo", credentials=credentials_file,
                              subject=None)
    if _link(link) != 0:
        return 1
    server = make_server(load_configuration(config_file))
    print(f"gcaldav demo ready: CalDAV http://{args.host}:{args.port}/  user demo  "
          f"password {password}\n  (Google emulator at {emulator.base_url}; files in "
          f"{workdir})", flush=True)
    _serve_until_interrupted(server.serve_forever)
    return 0


DEMO_CONFIG = """\
[server]
hosts = {host}:{port}

[auth]
type = htpasswd
htpasswd_filename = {htpasswd}
htpasswd_encryption = plain
delay = 0

[rights]
type = radicale_plugin.rights

[storage]
type = radicale_plugin
data_dir = {data}
google_api_endpoint = {api}
google_token_uri = {token}
"""


def _serve_until_interrupted(serve_forever) -> None:
    try:
        serve_forever()
    except KeyboardInterrupt:
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gcaldav",
                                     description="Google Calendar as CalDAV, two-way.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="try it: emulated Google data served as CalDAV")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=5232)
    demo.add_argument("--password", help="the demo user's password (default: random)")
    demo.set_defaults(run=_demo)

    serve = commands.add_parser("serve", help="serve CalDAV")
    serve.add_argument("--config", required=True, help="Radicale configuration file")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)

    link = commands.add_parser("link", help="link a CalDAV user to Google credentials")
    link.add_argument("--config", required=True, help="Radicale configuration file")
    link.add_argument("user", help="the CalDAV (Radicale) user name")
    link.add_argument("credentials", help="authorized-user or service-account JSON")
    link.add_argument("--subject", help="with a service account: the user to act as")
    link.set_defaults(run=_link)

    emu = commands.add_parser("emulator", help="serve the Google Calendar API emulator")
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--port", type=int, default=8080)
    emu.add_argument("--seed", choices=["demo"], help="start with demo data")
    emu.set_defaults(run=_emulator)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        return args.run(args)
    except (RuntimeError, OSError) as exc:      # bad configuration, port in use, ...
        if args.verbose:
            raise
        print(f"gcaldav {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
