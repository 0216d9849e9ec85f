"""Profile the bridge's import and its side of the benchmark's requests, in one process.

    .venv/bin/python -m tests.bench.profile_bridge --events 10000 [--out DIR] [--only NAME]

Seeds the emulator like ``bench_radicale`` (same generator and seed), links a bridge under a
profiler (the initial import), then sends each benchmark request once to warm up and once under
the profiler, calling Radicale's WSGI application directly (no HTTP, no freshness syncs:
``freshness`` is an hour here). With pyinstrument installed (``pip install pyinstrument``, not a
project dependency) it prints a call tree per phase; otherwise cProfile's top functions. cProfile
dumps (``DIR/<phase>.prof``) are written either way, for ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import io
import json
import logging
import pstats
import re
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from gcaldav.configfile import bridge_config
from tests.bench.bench_radicale import (PROPFIND_CTAG, PROPFIND_ETAGS, PROPFIND_TOKEN,
                                        SEED_CHUNK, Control, multiget, query_range,
                                        sync_collection)


def _profile(name: str, run, out: Path, use_pyinstrument: bool, top: int,
             repeatable: bool = True):
    """Profile ``run()``; with pyinstrument, a repeatable ``run`` is run a second time under
    cProfile for the .prof dump (the import is not repeatable: no dump then)."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    if use_pyinstrument:
        from pyinstrument import Profiler
        tree = Profiler(interval=0.0005)
        tree.start()
        result = run()
        tree.stop()
        seconds = time.perf_counter() - started
        print(f"\n===== {name}: {seconds * 1000:.1f} ms (pyinstrument) =====")
        print(tree.output_text(unicode=False, color=False, show_all=False))
        if not repeatable:
            return result
        # A second pass under cProfile for the dump (its overhead distorts the timing).
        profiler.enable()
        run()
        profiler.disable()
    else:
        profiler.enable()
        result = run()
        profiler.disable()
        seconds = time.perf_counter() - started
        print(f"\n===== {name}: {seconds * 1000:.1f} ms (under cProfile) =====")
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        print(text.getvalue())
    profiler.dump_stats(out / (re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") + ".prof"))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None, help="where to write .prof files")
    parser.add_argument("--only", action="append", default=[],
                        help="profile only phases whose name contains this (repeatable; "
                             "'import' for the import)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--cprofile", action="store_true", help="cProfile text, not pyinstrument")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        import pyinstrument  # noqa: F401
        use_pyinstrument = not args.cprofile
    except ImportError:
        use_pyinstrument = False

    from werkzeug.test import Client

    from emulator import EmulatorServer
    from radicale_plugin.options import PLUGIN_SCHEMA, settings_from
    from radicale_plugin.registry import register
    from gcaldav.server import load_configuration, make_app

    def wanted(name: str) -> bool:
        return not args.only or any(o.lower() in name.lower() for o in args.only)

    work = Path(tempfile.mkdtemp(prefix="gcaldav-profile-"))
    out = args.out or work      # the store under work/data is removed at the end
    out.mkdir(parents=True, exist_ok=True)
    emulator = EmulatorServer(port=0).start()
    control = Control(emulator.base_url)
    email = "bench@example.com"
    account = control("POST", "/accounts", {"email": email})
    for n, start in enumerate(range(0, args.events, SEED_CHUNK)):
        control("POST", f"/calendars/{email}/events:bulk",
                {"generate": min(SEED_CHUNK, args.events - start), "seed": args.seed + n})
    (work / "users").write_text("alice:secret\n")
    (work / "google.json").write_text(json.dumps(account))
    config = work / "config"
    config.write_text(bridge_config(htpasswd=work / "users", data_dir=work / "data",
                                    api=emulator.emulator.api_url,
                                    token_uri=emulator.emulator.token_url))
    configuration = load_configuration(str(config))
    bridge = register(configuration, settings_from(configuration.copy(PLUGIN_SCHEMA)))
    link = lambda: bridge.link("alice", str(work / "google.json"))  # noqa: E731
    if wanted("import"):
        _profile(f"import of {args.events} events", link, out, use_pyinstrument, args.top,
                 repeatable=False)
    else:
        link()

    client = Client(make_app(configuration))
    auth = {"Authorization": "Basic " + base64.b64encode(b"alice:secret").decode()}
    slug = bridge.store.calendars("alice")[0].slug
    path = f"/alice/{slug}/"

    def request(method, url, body=None, depth="0"):
        headers = dict(auth, Depth=depth)
        if body:
            headers["Content-Type"] = "application/xml; charset=utf-8"
        response = client.open(url, method=method, data=body, headers=headers)
        assert response.status_code in (200, 207), (method, url, response.status_code,
                                                    response.get_data()[:300])
        return response.get_data()

    listing = ET.fromstring(request("PROPFIND", path, PROPFIND_ETAGS, "1"))
    hrefs = sorted(h.text for h in listing.iter("{DAV:}href") if h.text != path)
    token = ET.fromstring(request("PROPFIND", path, PROPFIND_TOKEN)).find(
        ".//{DAV:}sync-token").text
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    start = dt.datetime.combine(monday, dt.time(0), dt.timezone.utc)
    plan = {
        "ctag PROPFIND": ("PROPFIND", path, PROPFIND_CTAG, "0"),
        "PROPFIND depth 1 getetag": ("PROPFIND", path, PROPFIND_ETAGS, "1"),
        "sync-collection no change": ("REPORT", path, sync_collection(token), "0"),
        "sync-collection initial": ("REPORT", path, sync_collection(""), "0"),
        "calendar-multiget 100": ("REPORT", path,
                                  multiget(hrefs[::max(1, len(hrefs) // 100)][:100]), "1"),
        "calendar-query 1 week": ("REPORT", path,
                                  query_range(start, start + dt.timedelta(days=7)), "1"),
        "GET one item": ("GET", hrefs[len(hrefs) // 2], None, "0"),
    }
    for name, (method, url, body, depth) in plan.items():
        if not wanted(name):
            continue
        request(method, url, body, depth)                 # warm-up
        _profile(name, lambda: request(method, url, body, depth), out, use_pyinstrument,
                 args.top)
    print(f"\nprofiles in {out}", file=sys.stderr)
    emulator.stop()
    shutil.rmtree(work / "data", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
