"""The ``gcaldav`` command: serve, migrate, link, status, demo, emulator; login, accounts,
unlink, calendars and user live in account_commands.py."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from sqlalchemy.exc import DBAPIError

from . import account_commands
from .demo import HOST_HELP


def _emulator(args: argparse.Namespace) -> int:
    from emulator import EmulatorServer

    server = EmulatorServer(args.host, args.port, seed_name=args.seed)
    emulator = server.emulator
    print(f"gcaldav emulator ready: API {emulator.api_url} token {emulator.token_url} "
          f"control {server.base_url}/_emulator/", flush=True)
    _serve_until_interrupted(server.serve_forever)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .server import load_configuration, make_server, serve_logging

    configuration = load_configuration(args.config)
    if args.workers > 1:        # refused before anything is set up
        _check_workers(configuration, args.workers)
    serve_logging(configuration, verbose=args.verbose)
    if args.workers > 1:
        return _serve_workers(configuration, args)
    server = make_server(configuration, args.host, args.port)
    print(f"gcaldav serving CalDAV on {server.base_url}/", flush=True)
    _serve_until_interrupted(server.serve_forever)
    return 0


def _check_workers(configuration, count: int) -> None:
    from radicale_plugin.options import PLUGIN_SCHEMA, settings_from

    from .workers import check_shared_database

    check_shared_database(settings_from(configuration.copy(PLUGIN_SCHEMA)).database, count)


def _serve_workers(configuration, args: argparse.Namespace) -> int:
    from . import workers

    for handler in logging.getLogger().handlers:    # which worker says what
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
    return workers.serve(configuration, args.host, args.port, args.workers, lambda server:
                         print(f"gcaldav serving CalDAV on {server.base_url}/ with "
                               f"{args.workers} worker processes", flush=True))


def _migrate(args: argparse.Namespace) -> int:
    """Bring the database to this version's tables (serving processes also do on start)."""
    from bridge.service import Bridge
    from radicale_plugin.options import PLUGIN_SCHEMA, settings_from

    from .server import load_configuration

    try:
        bridge = Bridge(settings_from(load_configuration(args.config).copy(PLUGIN_SCHEMA)))
        revision = bridge.schema_revision()
    except Exception as exc:    # an unreachable or newer database: its message, no traceback
        print(f"gcaldav migrate: {exc}", file=sys.stderr)
        return 1
    print(f"database at schema revision {revision}", flush=True)
    return 0


def _link(args: argparse.Namespace) -> int:
    from bridge.errors import BridgeError

    bridge = _bridge(args.config)
    try:
        bridge.link(args.user, args.credentials, subject=args.subject, progress=_progress)
    except BridgeError as exc:
        print(f"gcaldav link: {exc}", file=sys.stderr)
        return 1
    print(f"linked {args.user}: {len(bridge.calendars(args.user))} calendars", flush=True)
    return 0


def _bridge(config_path: str):
    from radicale_plugin.options import PLUGIN_SCHEMA, settings_from
    from radicale_plugin.registry import register

    from .server import load_configuration

    configuration = load_configuration(config_path)
    return register(configuration, settings_from(configuration.copy(PLUGIN_SCHEMA)))


def _status(args: argparse.Namespace) -> int:
    """Per account and calendar: last sync, lag, push channel expiry, last error."""
    from radicale_plugin.options import PLUGIN_SCHEMA, settings_from

    from .server import load_configuration

    settings = settings_from(load_configuration(args.config).copy(PLUGIN_SCHEMA))
    if settings.database.startswith("sqlite:///") and not os.path.exists(
            settings.database.removeprefix("sqlite:///")):
        print(f"gcaldav status: no database at {settings.database.removeprefix('sqlite:///')}"
              " (link an account first)", file=sys.stderr)
        return 1
    report = _bridge(args.config).status()
    if not report.accounts:
        print("no linked accounts")
    for account in report.accounts:
        print(f"{account.user} <{account.email}> (account {account.id})")
        if account.needs_sign_in:
            print(f"  NEEDS SIGN-IN: {account.advice(f'gcaldav login --config {args.config}')}")
        print(f"  {'CALENDAR':<40} {'LAST SYNC (UTC)':<21} {'LAG':>7}  {'CHANNEL EXPIRES':<22} "
              "LAST ERROR")
        for watched in (account.calendar_list, *account.calendars):
            print(_status_line(watched, report.now))
    return 0


def _status_line(watched, now: float) -> str:
    last = watched.last_sync
    synced = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(last)) if last else "never"
    lag = _duration(now - last) if last else "-"
    channel = "none" if watched.channel_expires is None else (
        f"in {_duration(watched.channel_expires - now)}"
        + ("" if watched.channel_confirmed else " (unconfirmed)"))
    error = (watched.last_error or "-").splitlines()[0]
    name = watched.name if watched.served else f"{watched.name} (hidden)"
    return f"  {name[:40]:<40} {synced:<21} {lag:>7}  {channel:<22} {error}"


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            rest = seconds % size
            smaller = {"d": ("h", 3600), "h": ("m", 60), "m": ("s", 1)}[unit]
            return f"{seconds // size}{unit}" + (f"{rest // smaller[1]}{smaller[0]}"
                                                 if rest // smaller[1] else "")
    return f"{seconds}s"


def _progress(name: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done == total else ""
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}",
          end=end, file=sys.stderr, flush=True)


def _demo(args: argparse.Namespace) -> int:
    """The emulator with demo data plus the bridge on HOST:PORT, nothing to configure."""
    from . import demo

    return demo.run(args)


def _serve_until_interrupted(serve_forever) -> None:
    try:
        serve_forever()
    except KeyboardInterrupt:
        pass


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gcaldav",
                                     description="Google Calendar as CalDAV, two-way.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="try it: emulated Google data served as CalDAV")
    demo.add_argument("--host", default="127.0.0.1", help=HOST_HELP)
    demo.add_argument("--port", type=int, default=5232)
    demo.add_argument("--password", help="the demo user's password (default: random)")
    demo.set_defaults(run=_demo)

    serve = commands.add_parser("serve", help="serve CalDAV")
    serve.add_argument("--config", required=True, help="Radicale configuration file")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=_positive, default=1,
                       help="serving processes sharing the port (PostgreSQL only; "
                            "background work runs once across them)")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="bring the database to this version's "
                                  "tables (under a database lock)")
    migrate.add_argument("--config", required=True, help="Radicale configuration file")
    migrate.set_defaults(run=_migrate)

    link = commands.add_parser("link", help="link a CalDAV user to Google credentials")
    link.add_argument("--config", required=True, help="Radicale configuration file")
    link.add_argument("user", help="the CalDAV (Radicale) user name")
    link.add_argument("credentials", help="authorized-user or service-account JSON")
    link.add_argument("--subject", help="with a service account: the user to act as")
    link.set_defaults(run=_link)

    status = commands.add_parser("status", help="per account and calendar: last sync, lag, "
                                                "push channel expiry, last error")
    status.add_argument("--config", required=True, help="Radicale configuration file")
    status.set_defaults(run=_status)

    account_commands.add_parsers(commands)

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
    except DBAPIError as exc:   # the driver's message, without row data or SQL parameters
        if args.verbose:
            raise
        print(f"gcaldav {args.command}: database error: {exc.orig}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
