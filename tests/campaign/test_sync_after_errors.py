"""A sync that met ten 500s or 503s in a row left a Google change missing from clients after
the fault cleared - with push on, not without. The push-triggered sync failed and paused the
account (30 s, then 60 s ...), while every client read trusted the healthy push channel and
skipped Google; without push, the next read synced. Now a failed sync makes requests stop
trusting the channel until a sync succeeds: the first read after the fault brings the change.
"""

from __future__ import annotations

import pytest

from tests.campaign.workload import caldav_view
from tests.gcaldav.test_push_webhook import QUIET, event, push_ready


@pytest.mark.parametrize("status", [500, 503])
def test_a_change_announced_while_google_fails_arrives_once_it_recovers(
        make_bridge, alice, control, wait_for, status):
    cal = alice["account"]
    server = make_bridge(alice, push=True, **QUIET)
    push_ready(server, wait_for)
    server.bridge.settings.sleep = lambda seconds: None     # retries without waiting
    url = server.calendar_url(cal)
    assert caldav_view(server.session, url) == (207, [])
    control.post("/faults", {"kind": "error", "status": status, "reason": "backendError",
                             "method": "events.list", "count": 10})
    made = control.post(f"/calendars/{cal}/events", event("During the outage"))

    account = server.bridge.store.accounts("alice")[0].id
    wait_for(lambda: server.bridge.scheduler.paused.active(account), 15,
             "the push-triggered sync failing and pausing the account")
    control.request("DELETE", "/faults")        # Google recovers; the pause (30 s) is on

    def arrived():
        status, view = caldav_view(server.session, url)
        return status == 207 and [r.uid for r in view] == [made["iCalUID"]]
    wait_for(arrived, 10, "the change made during the outage")
