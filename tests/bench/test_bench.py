"""The benchmark of issue 7 runs end to end at a small size (``-m bench``; excluded by default).

A smoke test of the benchmark itself, not of the bridge's speed: the figures that matter come
from the full run (``python -m tests.bench.bench_radicale --events 10000 --json out.json``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = {"ctag PROPFIND (depth 0)", "getctag + sync-token PROPFIND (depth 0)",
            "PROPFIND depth 1 getetag", "sync-collection, no change",
            "sync-collection, initial", "calendar-multiget 100 (etag+data)",
            "calendar-query 1 week (getetag)", "GET one item"}


@pytest.mark.bench
def test_the_benchmark_runs_at_a_small_size(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_radicale", "--events", "300", "--runs", "7",
         "--rss-events", "0", "--skip-window", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "speed-up" in done.stdout and "targets (issues 7 and 14)" in done.stdout

    result = json.loads(out.read_text())
    assert set(result["requests"]) == REQUESTS
    for name, row in result["requests"].items():
        assert row["bridge_ms"] > 0 and row["stock_ms"] > 0, name
        assert len(row["bridge_samples_ms"]) == len(row["stock_samples_ms"])
        assert len(row["bridge_samples_ms"]) in (7, 7 * 5), name     # short ones: 5 per run
    shape = {name: row["shape"] for name, row in result["requests"].items()}
    # The same data on both sides: the same resources come back.
    for name in ("PROPFIND depth 1 getetag", "sync-collection, initial",
                 "calendar-multiget 100 (etag+data)"):
        assert shape[name]["bridge"]["responses"] == shape[name]["stock"]["responses"], name
    assert shape["sync-collection, initial"]["stock"]["responses"] == result["stock"]["items"]
    assert shape["calendar-multiget 100 (etag+data)"]["stock"]["responses"] == 100
    assert shape["calendar-query 1 week (getetag)"]["stock"]["responses"] > 0
    assert result["import"]["google_calls"].get("events.list", 0) >= 1
    assert result["change_freshness_0"]["google_calls_per_change"].get("events.list", 0) >= 1
    assert {row["target"] for row in result["targets"]} >= {
        "ctag PROPFIND >= 50x faster", "initial import < 20 s"}
