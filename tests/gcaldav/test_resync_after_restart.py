"""Notifications Google sent while the bridge was down are lost, yet the stored channels look
healthy: after a restart every calendar is synced at once, so changes made meanwhile reach
clients without waiting for the hourly safety poll."""

from __future__ import annotations

from tests.gcaldav.test_push_webhook import QUIET, event, push_ready


def test_changes_made_while_down_arrive_after_restart(make_bridge, alice, control, wait_for):
    cal = alice["account"]
    server = make_bridge(alice, push=True, **QUIET)
    push_ready(server, wait_for)
    url = server.calendar_url(cal)
    token, _ = server.sync_collection(url)
    server.stop()
    control.post("/push/faults", {"drop": 1})   # Google gave up delivering it: lost
    made = control.post(f"/calendars/{cal}/events", event("While the bridge was down"))
    server.start()
    push_ready(server, wait_for)         # the stored channels still count as healthy ...

    def arrived():
        _, changes = server.sync_collection(server.calendar_url(cal), token)
        return len(changes) == 1 and changes
    changes = wait_for(arrived, 30, "the change made while down")   # ... yet it arrives
    assert made["id"] in next(iter(changes))
