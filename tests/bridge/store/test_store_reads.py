"""The narrow reads a client's sync needs: hrefs without text, changes since a revision, and
the calendar's sync state in one lookup."""

from __future__ import annotations

from sqlalchemy import event

from bridge.model import SyncState

from tests.bridge.store.builders import add_calendar, put, tombstone


def test_live_hrefs_list_live_resources_only(store):
    calendar_id = add_calendar(store)
    other = add_calendar(store, "other@group.calendar.google.com")
    for uid in ("b", "a", "c"):
        put(store, calendar_id, uid)
    put(store, other, "x")
    tombstone(store, calendar_id, "c")
    assert store.live_hrefs(calendar_id) == ["a.ics", "b.ics"]
    assert store.live_hrefs(other) == ["x.ics"]
    assert store.live_hrefs(999) == []


def test_changes_since_a_revision_include_deletions_in_revision_order(store):
    calendar_id = add_calendar(store)
    put(store, calendar_id, "a")                          # 1
    put(store, calendar_id, "b")                          # 2
    tombstone(store, calendar_id, "a")                    # 3
    put(store, calendar_id, "c")                          # 4
    assert store.changed_since(calendar_id, 1) == ["b.ics", "a.ics", "c.ics"]
    assert store.changed_since(calendar_id, 3) == ["c.ics"]


def test_the_sync_state_is_one_query_that_reads_no_items(store):
    calendar_id = add_calendar(store)
    for uid in "abc":
        put(store, calendar_id, uid)
    statements = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    state = store.sync_state(calendar_id)
    assert len(statements) == 1 and "items" not in statements[0]
    assert state == SyncState(store.calendar(calendar_id).epoch, 3, 0)
