"""Incoming notifications against stored channels: only ours, with the right token and
resource, and not stopped or expired, are accepted; duplicates and sync messages sync
nothing."""

from __future__ import annotations

import logging
import time

import pytest

from bridge.store import channels as stored

TOKEN = "s3cret-token-value"


@pytest.fixture
def changes(bridge):
    seen = []
    bridge.notifications.on_change = lambda kind, key: seen.append((kind, key))
    return seen


@pytest.fixture
def channel(bridge):
    """An active, unconfirmed events channel for calendar 7 of account 3."""
    stored.add(bridge.store, channel_id="chan-1", token=TOKEN, kind="events", account_id=3,
               calendar_id=7, address="https://bridge.example/.gcaldav/push")
    stored.activate(bridge.store, "chan-1", "res-1", time.time() + 600)
    return "chan-1"


def headers(channel_id="chan-1", token=TOKEN, state="exists", number="2", resource="res-1"):
    out = {"X-Goog-Channel-ID": channel_id, "X-Goog-Channel-Token": token,
           "X-Goog-Resource-State": state, "X-Goog-Message-Number": number,
           "X-Goog-Resource-ID": resource}
    return {k: v for k, v in out.items() if v is not None}


def refused(bridge, reason: str) -> float:
    return bridge.metrics.registry.get_sample_value(
        "gcaldav_push_notifications_total", {"outcome": "refused", "reason": reason}) or 0


def test_a_change_on_our_channel_asks_for_one_sync_and_confirms_it(bridge, channel, changes):
    assert not bridge.scheduler and stored.get(bridge.store, channel).confirmed is None
    assert bridge.notifications.handle(headers()) == 200
    assert changes == [("events", 7)]
    assert stored.get(bridge.store, channel).confirmed is not None
    assert bridge.notifications.handle(headers()) == 200      # the same message again
    assert bridge.notifications.handle(headers(state="sync", number="1")) == 200
    assert changes == [("events", 7)]


def test_the_sync_message_may_come_before_the_watch_answer(bridge, changes):
    stored.add(bridge.store, channel_id="early", token=TOKEN, kind="list", account_id=3,
               calendar_id=None, address="https://bridge.example/.gcaldav/push")
    assert bridge.notifications.handle(headers("early", state="sync", number="1",
                                               resource="not known yet")) == 200
    assert stored.get(bridge.store, "early").confirmed is not None
    assert changes == []


@pytest.mark.parametrize("override, status, reason", [
    (dict(channel_id="someone-elses"), 403, "unknown_channel"),
    (dict(token="guessed"), 403, "wrong_token"),
    (dict(token=None), 403, "wrong_token"),
    (dict(resource="res-2"), 403, "wrong_resource"),
    (dict(state="deleted"), 400, "malformed"),
    (dict(number="x"), 400, "malformed"),
    (dict(channel_id="c" * 65), 400, "malformed"),
])
def test_forged_notifications_are_refused_and_logged_without_the_token(
        bridge, channel, changes, caplog, override, status, reason):
    caplog.set_level(logging.WARNING, logger="bridge.background")
    assert bridge.notifications.handle(headers(**override), "203.0.113.9") == status
    assert changes == []
    assert refused(bridge, reason) == 1
    [record] = [r for r in caplog.records if "refused" in r.getMessage()]
    assert reason in record.getMessage() and "203.0.113.9" in record.getMessage()
    assert TOKEN not in caplog.text
    assert stored.get(bridge.store, channel).confirmed is None


def test_stopped_and_expired_channels_are_refused(bridge, channel, changes):
    stored.retire(bridge.store, channel)
    assert bridge.notifications.handle(headers()) == 403
    assert refused(bridge, "stopped_channel") == 1
    stored.add(bridge.store, channel_id="old", token=TOKEN, kind="events", account_id=3,
               calendar_id=7, address="https://bridge.example/.gcaldav/push")
    stored.activate(bridge.store, "old", "res-1", time.time() - 1)
    assert bridge.notifications.handle(headers("old")) == 403
    assert refused(bridge, "expired_channel") == 1
    assert changes == []
