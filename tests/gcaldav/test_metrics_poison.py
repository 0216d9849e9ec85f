"""A resource the bridge cannot render is skipped and counted (bridge/sync/poison.py): the
count is on /metrics of the real server."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from bridge.sync import poison


def skipped(server) -> float:
    response = requests.get(server.url + "/metrics", timeout=5)
    assert response.status_code == 200
    values = [s.value for family in text_string_to_metric_families(response.text)
              for s in family.samples if s.name == "gcaldav_resources_skipped_total"]
    assert len(values) == 1, "the counter is exported once"
    return values[0]


def test_skipped_resources_are_counted_on_metrics(make_bridge, alice):
    server = make_bridge(alice)
    before = skipped(server)
    assert before == poison.skipped()

    # A rendering that fails the way a value at the edge of Python's dates makes it fail
    # (the emulator cannot hold such an event itself: it answers 500 to one).
    @poison.contained
    def render(events):
        raise OverflowError("date value out of range")

    assert render([{"id": "one"}]) is None and render([{"id": "two"}]) is None
    assert skipped(server) == before + 2
