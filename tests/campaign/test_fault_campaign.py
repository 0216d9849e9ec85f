"""The fault campaign: per seed, a drawn schedule of Google faults (5xx, 429 with Retry-After,
403 rate and quota, slow answers and timeouts, dropped connections, lost replies, truncated
answers, 410 on sync tokens, failing token refreshes, dropped and duplicated pushes) meets a
workload of client writes over CalDAV and changes made on Google. Every answer a client got
must be true when given, no event may exist twice on Google, and once the faults clear the
clients' view must settle on Google's, which must hold exactly what the answers and the
Google-side changes say (nothing lost), and a client's sync token from the last read must
report exactly the changes since (or be refused with 403 valid-sync-token).

A few seeds run by default; the full campaign (100 more) is marked slow:
``pytest tests/campaign -m slow -k fault_campaign``. Each seed prints its figures (with -s).
Retries and the scheduler's pauses do not wait (the sleep seam, short pauses), so a seed
takes seconds.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.campaign.runner import Runner
from tests.campaign.workload import draw
from tests.gcaldav.test_push_webhook import push_ready

FAST_SEEDS = [1, 2, 3]
# More seeds for a longer hunt: GCALDAV_CAMPAIGN_SEEDS=1000 pytest -m slow tests/campaign
SLOW_SEEDS = range(100, 100 + int(os.environ.get("GCALDAV_CAMPAIGN_SEEDS", "100")))
TIMEOUT = 1.0               # the bridge's Google timeout; delay faults exceed it or not
OPTIONS = dict(freshness=0, google_timeout=TIMEOUT, sync_interval=2,
               active_sync_interval=2, push_sync_interval=2, calendar_list_interval=3600)


@pytest.fixture
def campaign_bridge(make_bridge, new_account, wait_for):
    def make():
        account = new_account("campaign")
        server = make_bridge(account, push=True, **OPTIONS)
        push_ready(server, wait_for)
        bridge = server.bridge
        bridge.settings.sleep = lambda seconds: None        # retries back off at once
        later = Later()
        for backoff in (bridge.scheduler.paused, bridge.scheduler.errors):
            backoff.first, backoff.cap = 0.2, 1.0           # pauses short as well ...
            backoff.clock = later                           # ... and Retry-After passes
        return server, account["account"], later
    return make


class Later:
    """The scheduler's pause clock: real time, moved on when the campaign says so."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def run_seed(seed, campaign_bridge, control, emulator, wait_for) -> None:
    started = time.monotonic()
    server, calendar, later = campaign_bridge()
    runner = Runner(server, control, emulator, calendar, draw(seed, timeout=TIMEOUT))
    figures = runner.run()
    control.request("DELETE", "/faults")            # Google recovers (push faults too)
    later.offset += 3600.0          # and the pauses it asked for (Retry-After) are over
    wait_for(lambda: runner.settled()[0], 30, what=None)
    ok, difference = runner.settled()
    assert ok, f"seed {seed} did not settle on Google's state:\n{difference}"
    runner.check_no_duplicates("at the end")
    tokens = runner.check_sync_token()
    assert not any(a.needs_sign_in for a in server.bridge.store.accounts("alice")), \
        "a transient failure was taken for refused credentials"
    print(f"\nseed {seed}: {time.monotonic() - started:.1f} s, {len(runner.model)} events, "
          f"{tokens}, {figures.line()}")


@pytest.mark.parametrize("seed", FAST_SEEDS)
def test_fault_campaign(seed, campaign_bridge, control, emulator, wait_for):
    run_seed(seed, campaign_bridge, control, emulator, wait_for)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_fault_campaign_full(seed, campaign_bridge, control, emulator, wait_for):
    run_seed(seed, campaign_bridge, control, emulator, wait_for)
