"""The bridge under benchmark, in its own process (so its peak RSS is its own).

    python -m tests.bench.bridge_runner --config FILE [--link USER CREDENTIALS] [--port N]
                                        [--profile OUT]

With ``--link`` it first links USER to the Google credentials (the initial import) and reports
the wall time; then it serves CalDAV on ``--port`` (default: a free one). It talks to the
benchmark through single JSON lines on stdout: ``{"linked": seconds}`` (if linking) and
``{"port": n}`` once serving. ``--profile OUT`` writes a cProfile of the import to OUT (for
finding what dominates).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time


def _say(**message) -> None:
    print(json.dumps(message), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--link", nargs=2, metavar=("USER", "CREDENTIALS"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--profile", metavar="OUT", help="cProfile the import into OUT")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from radicale_plugin.options import PLUGIN_SCHEMA, settings_from
    from radicale_plugin.registry import register
    from gcaldav.server import load_configuration, make_server

    configuration = load_configuration(args.config)
    if args.link:
        bridge = register(configuration, settings_from(configuration.copy(PLUGIN_SCHEMA)))
        user, credentials = args.link
        profiler = None
        if args.profile:
            import cProfile
            profiler = cProfile.Profile()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        bridge.link(user, credentials)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        if profiler:
            profiler.dump_stats(args.profile)
        _say(linked=seconds)
    server = make_server(configuration, "127.0.0.1", args.port)
    _say(port=server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
