"""The abuse benchmark runs end to end (``-m bench``; excluded by default): a smoke test of
the script, with a few of its cases; the figures come from the full run
(``python -m tests.bench.bench_abuse``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.bench
def test_the_abuse_benchmark_runs(tmp_path):
    out = tmp_path / "abuse.json"
    done = subprocess.run([sys.executable, "-m", "tests.bench.bench_abuse", "--json", str(out),
                           "--only", "400 MB", "XML: billion", "short lines (50 MB)",
                           "bad headers"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {row["case"]: row for row in json.loads(out.read_text())}
    assert len(rows) == 4 and all(row["server_alive"] for row in rows.values())
    assert rows["400 MB PUT, no login"]["status"] == "401"
    assert rows["PUT of 3,000,000 short lines (50 MB)"]["status"] == "413"
    assert all(row["rss_after_mb"] > 0 for row in rows.values())
