"""Pruning tombstones moves min_revision up to the newest of them: older client tokens become
invalid, the current one stays valid."""

from __future__ import annotations

import time

from bridge.store import retention

from tests.bridge.store.builders import add_calendar, put, tombstone


def test_prune_drops_older_tombstones_and_raises_min_revision_to_the_newest(store):
    calendar_id = add_calendar(store)
    for uid in "abcd":
        put(store, calendar_id, uid)                     # revisions 1-4
    tombstone(store, calendar_id, "a")                   # 5
    tombstone(store, calendar_id, "b")                   # 6
    put(store, calendar_id, "c")                         # 7
    tombstone(store, calendar_id, "d")                   # 8
    with store.write() as tx:
        assert tx.prune(calendar_id, 7) == 2
    assert store.sync_state(calendar_id).min_revision == 6     # a token at 6 saw both go
    assert store.changed_since(calendar_id, 0) == ["c.ics", "d.ics"]
    with store.write() as tx:
        assert tx.prune(calendar_id, 3) == 0             # never moves backwards
    assert store.sync_state(calendar_id).min_revision == 6
    assert store.live_hrefs(calendar_id) == ["c.ics"]


def test_retention_prunes_by_age_up_to_the_newest_old_tombstone(store):
    calendar_id = add_calendar(store)
    put(store, calendar_id, "a")
    put(store, calendar_id, "b")
    tombstone(store, calendar_id, "a")                   # 3
    assert retention.prune(store, calendar_id, cutoff=time.time() - 3600) == 0
    assert store.sync_state(calendar_id).min_revision == 0
    assert retention.prune(store, calendar_id, cutoff=time.time() + 1) == 1
    state = store.sync_state(calendar_id)
    assert (state.min_revision, state.revision) == (3, 3)   # the current token stays valid
    assert store.changed_since(calendar_id, 0) == ["b.ics"]
