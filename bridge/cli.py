"""The ``gcaldav`` command line."""

from __future__ import annotations

import argparse
import logging
import sys


def _emulator(args: argparse.Namespace) -> int:
    from .emulator import EmulatorServer

    server = EmulatorServer(args.host, args.port, seed_name=args.seed)
    emulator = server.emulator
    print(f"gcaldav emulator ready: API {emulator.api_url} token {emulator.token_url} "
          f"control {server.base_url}/_emulator/", flush=True)
    if args.seed == "demo":
        print("demo account: demo@example.com (credentials: POST "
              f"{server.base_url}/_emulator/accounts {{\"email\": \"demo@example.com\"}})",
              flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gcaldav",
                                     description="Google Calendar as CalDAV, two-way.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    commands = parser.add_subparsers(dest="command", required=True)
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
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
