"""Write transactions: revisions, tombstones, slugs and batched inserts."""

from __future__ import annotations

from sqlalchemy import func, select

from bridge.model import Occurrences
from bridge.store import schema, slug_for

from tests.bridge.store.builders import add_calendar, put, rendered, tombstone


def test_every_change_bumps_the_revision_and_is_listed_since_older_ones(store):
    calendar_id = add_calendar(store)
    assert store.sync_state(calendar_id).revision == 0
    first = put(store, calendar_id, "a")
    second = put(store, calendar_id, "b")
    assert (first, second) == (1, 2)
    before = store.calendar(calendar_id).last_modified
    third = put(store, calendar_id, "a", text="BEGIN:VCALENDAR\r\nUID:a\r\nX:changed\r\n"
                                             "END:VCALENDAR\r\n")
    assert store.sync_state(calendar_id).revision == third == 3
    assert store.calendar(calendar_id).last_modified >= before
    assert store.changed_since(calendar_id, 0) == ["b.ics", "a.ics"]
    assert store.changed_since(calendar_id, 2) == ["a.ics"]
    assert store.changed_since(calendar_id, 3) == []
    assert store.item(calendar_id, "a.ics").revision == 3


def test_a_tombstone_hides_the_item_but_reports_its_deletion(store):
    calendar_id = add_calendar(store)
    put(store, calendar_id, "a")
    put(store, calendar_id, "b")
    revision = tombstone(store, calendar_id, "a")
    assert store.item(calendar_id, "a.ics") is None
    assert not store.has_uid(calendar_id, "a") and store.has_uid(calendar_id, "b")
    assert [i.href for i in store.all_items(calendar_id)] == ["b.ics"]
    assert store.live_hrefs(calendar_id) == ["b.ics"]
    assert store.changed_since(calendar_id, revision - 1) == ["a.ics"]
    with store.write() as tx:
        gone = tx.item_by_uid(calendar_id, "a")
    assert (gone.deleted, gone.text, gone.etag, gone.revision) == (True, None, None, revision)


def test_item_by_uid_prefers_the_live_resource_over_a_tombstone(store):
    calendar_id = add_calendar(store)
    put(store, calendar_id, "old")
    tombstone(store, calendar_id, "old")
    with store.write() as tx:     # the same UID again, at a new href (a client's PUT)
        tx.put_item(calendar_id, "new-name.ics", rendered("old"), tx.next_revision(calendar_id))
        found = tx.item_by_uid(calendar_id, "old")   # flushes the batched insert first
    assert (found.href, found.deleted) == ("new-name.ics", False)
    assert store.live_hrefs(calendar_id) == ["new-name.ics"]


def test_inserts_are_batched_until_flush_and_committed_together(store):
    calendar_id = add_calendar(store)

    def count(conn) -> int:
        return conn.execute(select(func.count()).select_from(schema.items)).scalar_one()

    with store.write() as tx:
        revision = tx.next_revision(calendar_id)
        tx.put_item(calendar_id, "a.ics", rendered("a"), revision, new=True)
        assert count(tx.conn) == 0           # still batched
        tx.flush()
        assert count(tx.conn) == 1
        assert store.all_items(calendar_id) == []      # not committed: others see nothing
    assert [i.href for i in store.all_items(calendar_id)] == ["a.ics"]


def test_a_large_batch_is_written_before_it_grows_without_bound(store):
    calendar_id = add_calendar(store)
    with store.write() as tx:
        revision = tx.next_revision(calendar_id)
        for n in range(5001):
            tx.put_item(calendar_id, f"{n}.ics", rendered(str(n)), revision, new=True)
        assert tx.conn.execute(select(func.count()).select_from(schema.items)).scalar_one() \
            == 5001
    assert len(store.live_hrefs(calendar_id)) == 5001


def test_rewriting_an_item_replaces_its_occurrences(store):
    calendar_id = add_calendar(store)
    index = Occurrences(0, 1000, ((10, 20), (110, 120)))
    put(store, calendar_id, "s", start=10, end=120, recurring=True, index=index)
    assert store.recurring_in_range(calendar_id, 100, 200) == {"s.ics": True}
    put(store, calendar_id, "s", start=10, end=20, recurring=True,
        index=Occurrences(0, 1000, ((10, 20),)))
    assert store.recurring_in_range(calendar_id, 100, 200) == {}
    tombstone(store, calendar_id, "s")
    assert store.recurring_in_range(calendar_id, 0, 1000) == {}


def test_slugs_are_url_safe_unique_per_user_and_stable(store):
    assert slug_for("Team.Room#1@group.calendar.google.com") == "team.room-1"
    assert slug_for("alice@example.com") == "alice-at-example.com"
    assert slug_for("@@@") == "at--at--at"
    assert slug_for("...") == "calendar"
    shared = "team@group.calendar.google.com"
    first = add_calendar(store, shared, email="alice@example.com")
    second = add_calendar(store, shared, email="alice@work.example")     # same calendar, twice
    other_user = add_calendar(store, shared, user="bob", email="bob@example.com")
    slugs = [store.calendar(c).slug for c in (first, second, other_user)]
    assert slugs == ["team", "team-2", "team"]

    account_id = store.calendar(first).account_id
    with store.write() as tx:
        tx.forget_calendar(first)
        user_id = tx.ensure_user("alice")
        assert tx.upsert_calendar(account_id, user_id, shared, summary="Back") == first
    again = store.calendar(first)
    assert (again.slug, again.deleted, again.summary) == ("team", False, "Back")
    assert store.calendar(second).slug == "team-2"


def test_forgetting_a_calendar_drops_its_items_and_invalidates_old_tokens(store):
    calendar_id = add_calendar(store)
    put(store, calendar_id, "a")
    with store.write() as tx:
        tx.put_google_event(calendar_id, {"id": "e1", "etag": '"1"'}, "a")
        tx.set_shadow(calendar_id, "a", {"VEVENT": {"x": 1}})
        tx.forget_calendar(calendar_id)
    calendar = store.calendar(calendar_id)
    assert calendar.deleted and calendar.sync_token is None
    assert calendar.min_revision == calendar.revision == 2
    assert store.calendars("alice") == [] and store.all_items(calendar_id) == []
    assert store.google_events(calendar_id) == [] and store.changed_since(calendar_id, 0) == []


def test_a_row_batched_earlier_in_the_transaction_can_be_replaced_or_deleted(store):
    calendar_id = add_calendar(store)
    with store.write() as tx:
        revision = tx.next_revision(calendar_id)
        tx.put_google_event(calendar_id, {"id": "e1", "etag": '"1"'}, "a")
        tx.put_google_event(calendar_id, {"id": "e1", "etag": '"2"'}, "a")
        tx.add_google_event(calendar_id, {"id": "e2", "etag": '"1"'}, "b")
        tx.delete_google_event(calendar_id, "e2")
        tx.put_item(calendar_id, "a.ics", rendered("a", text="first"), revision, new=True)
        tx.put_item(calendar_id, "a.ics", rendered("a", text="second"), revision)
        tx.put_item(calendar_id, "b.ics", rendered("b"), revision, new=True)
        tx.tombstone_item(calendar_id, "b.ics", revision)
    assert [(e.event_id, e.etag) for e in store.google_events(calendar_id)] == [("e1", '"2"')]
    assert [(i.href, i.text) for i in store.all_items(calendar_id)] == [("a.ics", "second")]
    assert store.changed_since(calendar_id, 0) == ["a.ics", "b.ics"]
