"""The fairness and budget options reach a served bridge: the sync workers and each
account's share of them, the Google call budget; a nonsense value fails at start."""

from __future__ import annotations

import pytest

from gcaldav.server import load_configuration, make_server


def test_options_reach_the_scheduler_and_the_budget(make_bridge, alice):
    server = make_bridge(alice, sync_workers=3, sync_workers_per_account=1,
                         google_calls_per_minute=120)
    queue = server.bridge.scheduler.queue
    assert (queue.slots, queue.per_group) == (3, 1)
    assert server.bridge.budgets.per_minute == 120
    account = server.bridge.store.accounts("alice")[0]
    assert server.bridge.client_for(account.id).throttle is not None


def test_no_budget_and_a_bad_share(make_bridge, alice):
    server = make_bridge(alice, google_calls_per_minute=0)
    account = server.bridge.store.accounts("alice")[0]
    assert server.bridge.client_for(account.id).throttle is None
    server.stop()
    server.config_path.write_text(server.config_path.read_text().replace(
        "[storage]\n", "[storage]\nsync_workers_per_account = 0\n", 1))
    with pytest.raises(Exception, match="sync_workers_per_account"):
        make_server(load_configuration(str(server.config_path)))
    server.config_path.write_text(server.config_path.read_text().replace(
        "sync_workers_per_account = 0\n", ""))
    server.start()      # the fixture stops it again
