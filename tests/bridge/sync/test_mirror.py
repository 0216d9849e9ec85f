"""bridge.sync.mirror.commit against a real store on a SQLite file: resources diffed by ETag,
one revision bump per transaction, tombstones, and where a resource lives (derived from its
UID, or the href its client chose)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event

from bridge.store import Store
from bridge.sync import mirror
from bridge.sync.materialise import View, materialise
from bridge.sync.resources import href_for
from bridge.translate import CalendarContext

CTX = CalendarContext("Europe/Berlin")


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.engine.dispose()


@pytest.fixture
def cal(store) -> int:
    with store.write() as tx:
        account_id = tx.add_account("alice", "alice@example.com", "authorized_user", "", None)
        return tx.upsert_calendar(account_id, tx.ensure_user("alice"),
                                  "team@group.calendar.google.com", time_zone="Europe/Berlin")


def view(uid: str, summary: str = "Lunch", **extra) -> View:
    google = {"id": uid.removesuffix("@google.com"), "iCalUID": uid, "status": "confirmed",
              "summary": summary, "updated": "2024-01-01T00:00:00Z",
              "start": {"dateTime": "2024-03-04T12:00:00+01:00", "timeZone": "Europe/Berlin"},
              "end": {"dateTime": "2024-03-04T13:00:00+01:00", "timeZone": "Europe/Berlin"},
              **extra}
    return materialise([google], CTX, None)


def commit(store: Store, cal: int, views: dict, *, hrefs=None, new_calendar=False) -> int:
    """What the engine does: look the resources up, then commit in one transaction."""
    existing = {uid: mirror.Existing(*row)
                for uid, row in store.item_hrefs_by_uid(cal, list(views)).items()}
    with store.write() as tx:
        return mirror.commit(tx, cal, views, existing, hrefs=hrefs, new_calendar=new_calendar)


def revision(store: Store, cal: int) -> int:
    return store.sync_state(cal).revision


def test_new_resources_land_at_their_derived_href_in_one_revision(store, cal):
    views = {"a1@google.com": view("a1@google.com"), "client uid/1": view("client uid/1")}
    assert commit(store, cal, views) == 2
    assert revision(store, cal) == 1
    assert href_for("a1@google.com") == "a1.ics"
    stored = {item.href: item for item in store.all_items(cal)}
    assert set(stored) == {"a1.ics", href_for("client uid/1")}
    assert href_for("client uid/1") != "client uid/1.ics"       # unsafe characters: hashed
    for uid, v in views.items():
        item = stored[href_for(uid)]
        assert (item.uid, item.etag, item.text, item.revision) == (
            uid, v.etag, v.rendered.text, 1)
    assert store.changed_since(cal, 0) == sorted(stored)


def test_an_unchanged_view_changes_nothing(store, cal):
    commit(store, cal, {"a1@google.com": view("a1@google.com")})
    before = store.item(cal, "a1.ics")
    assert commit(store, cal, {"a1@google.com": view("a1@google.com")}) == 0
    assert revision(store, cal) == 1
    assert store.item(cal, "a1.ics") == before
    assert store.changed_since(cal, 1) == []


def test_a_changed_view_updates_in_place(store, cal):
    commit(store, cal, {"a1@google.com": view("a1@google.com"),
                        "b2@google.com": view("b2@google.com")})
    b_before = store.item(cal, "b2.ics")
    changed = view("a1@google.com", "Dinner")
    assert commit(store, cal, {"a1@google.com": changed,
                               "b2@google.com": view("b2@google.com")}) == 1
    assert revision(store, cal) == 2
    item = store.item(cal, "a1.ics")
    assert (item.etag, item.revision) == (changed.etag, 2)
    assert "SUMMARY:Dinner" in item.text
    assert store.item(cal, "b2.ics") == b_before
    assert store.changed_since(cal, 1) == ["a1.ics"]
    assert len(store.all_items(cal)) == 2


def test_a_view_gone_makes_a_tombstone_reported_as_changed(store, cal):
    commit(store, cal, {"a1@google.com": view("a1@google.com")})
    assert commit(store, cal, {"a1@google.com": None}) == 1
    assert revision(store, cal) == 2
    assert store.item(cal, "a1.ics") is None and not store.has_uid(cal, "a1@google.com")
    assert store.changed_since(cal, 1) == ["a1.ics"]
    # Gone again (or never known): nothing to report, no revision.
    assert commit(store, cal, {"a1@google.com": None, "zz@google.com": None}) == 0
    assert revision(store, cal) == 2


def test_a_recurring_view_is_indexed_and_its_tombstone_drops_the_index(store, cal):
    # The index covers a horizon around today: a weekly series starting next week.
    first = dt.datetime.now(dt.timezone.utc).replace(hour=12, minute=0, second=0,
                                                     microsecond=0) + dt.timedelta(days=7)
    times = {key: {"dateTime": (first + dt.timedelta(hours=hours)).isoformat(), "timeZone": "UTC"}
             for key, hours in (("start", 0), ("end", 1))}
    series = view("s1@google.com", recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"], **times)
    commit(store, cal, {"s1@google.com": series})
    week2 = int((first + dt.timedelta(days=7, minutes=30)).timestamp())
    assert store.recurring_in_range(cal, week2, week2 + 60) == {"s1.ics": True}
    gap = int((first + dt.timedelta(days=3)).timestamp())
    assert store.recurring_in_range(cal, gap, gap + 3600) == {}
    commit(store, cal, {"s1@google.com": None})
    assert store.recurring_in_range(cal, week2, week2 + 60) == {}


def test_a_recreated_uid_lands_at_the_clients_href_beside_its_old_tombstone(store, cal):
    commit(store, cal, {"a1@google.com": view("a1@google.com")})
    commit(store, cal, {"a1@google.com": None})                 # deleted on Google
    again = view("a1@google.com", "Back")
    assert commit(store, cal, {"a1@google.com": again},
                  hrefs={"a1@google.com": "from-client.ics"}) == 1
    assert revision(store, cal) == 3
    item = store.item(cal, "from-client.ics")
    assert (item.uid, item.etag, item.revision) == ("a1@google.com", again.etag, 3)
    assert store.item(cal, "a1.ics") is None                    # still a tombstone
    assert store.changed_since(cal, 2) == ["from-client.ics"]
    # Google's next word on it updates the client's href, not the tombstone's.
    later = view("a1@google.com", "Back later")
    assert commit(store, cal, {"a1@google.com": later}) == 1
    assert store.item(cal, "from-client.ics").etag == later.etag
    assert store.item(cal, "a1.ics") is None


def test_a_client_href_other_than_the_live_one_moves_the_resource(store, cal):
    v = view("a1@google.com")
    commit(store, cal, {"a1@google.com": v})
    assert commit(store, cal, {"a1@google.com": v}, hrefs={"a1@google.com": "moved.ics"}) == 1
    assert revision(store, cal) == 2                            # one bump for both rows
    assert store.item(cal, "a1.ics") is None
    assert store.item(cal, "moved.ics").etag == v.etag
    assert store.changed_since(cal, 1) == ["a1.ics", "moved.ics"]
    assert [i.href for i in store.all_items(cal)] == ["moved.ics"]


def test_the_clients_own_href_unchanged_is_no_change(store, cal):
    v = view("a1@google.com")
    commit(store, cal, {"a1@google.com": v}, hrefs={"a1@google.com": "mine.ics"})
    assert commit(store, cal, {"a1@google.com": v}, hrefs={"a1@google.com": "mine.ics"}) == 0
    assert revision(store, cal) == 1


def test_a_new_calendar_is_filled_by_inserts_alone(store, cal):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        views = {f"e{n}@google.com": view(f"e{n}@google.com", f"Event {n}") for n in range(5)}
        views["gone@google.com"] = None
        with store.write() as tx:
            assert mirror.commit(tx, cal, views, {}, new_calendar=True) == 5
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    on_items = [s for s in statements if re.search(r"\bitems\b", s)]
    assert on_items and all(s.startswith("INSERT INTO items") for s in on_items), on_items
    assert sorted(i.href for i in store.all_items(cal)) == [f"e{n}.ics" for n in range(5)]
    assert revision(store, cal) == 1


def test_a_derived_href_never_overwrites_another_uids_resource(store, cal):
    # A client created UID "abc" at abc.ics; Google later has another event whose UID
    # derives the same href.
    mine = view("abc", "Mine")
    commit(store, cal, {"abc": mine}, hrefs={"abc": "abc.ics"})
    commit(store, cal, {"abc@google.com": view("abc@google.com", "Theirs")})
    assert store.item(cal, "abc.ics").uid == "abc"
    assert store.has_uid(cal, "abc@google.com")
