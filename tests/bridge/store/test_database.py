"""Opening a database: a schema-3 database (tables exactly as gcaldav 3 made them) reaches
the newest revision with its data, ETags, revisions and sync tokens untouched; 64-bit columns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from bridge.model import END_OF_TIME, Kind
from bridge.store import Store, migrate, schema
from bridge.store.database import SchemaTooNew

V3_TABLES = Path(__file__).with_name("schema_v3.sql")
ETAG = '"' + "ab" * 32 + '"'


def make_v3_database(path: Path) -> str:
    with sqlite3.connect(path) as db:
        db.executescript(V3_TABLES.read_text())
        db.executescript(f"""
            INSERT INTO meta VALUES ('schema_version', '3');
            INSERT INTO users VALUES (1, 'alice');
            INSERT INTO accounts VALUES (1, 1, 'alice@example.com', 'authorized_user',
                                         '/creds/a.json', NULL, 1700000000.5, NULL);
            INSERT INTO calendars VALUES (1, 1, 1, 'team@group.calendar.google.com', 'team',
                'Team', NULL, '', 'Europe/Berlin', '#112233', 'owner', '[]', 'google-token-1',
                'cafe0123', 41, 12, 1700000001.0, 1700000002.0, NULL, 0);
            INSERT INTO items VALUES (1, 1, 'weekly.ics', 'weekly', 'BEGIN:VCALENDAR', '{ETAG}',
                1767600000, {END_OF_TIME}, 1, 40, 0, 1700000003.0, 1767225600, 1830297600);
            INSERT INTO items VALUES (2, 1, 'gone.ics', 'gone', NULL, NULL, 0, 0, 0, 41, 1,
                                      1700000004.0, 0, 0);
            INSERT INTO occurrences VALUES (1, 1, 'weekly.ics', 1767603600, 1767607200);
            INSERT INTO google_events VALUES (1, 'ev1', 'weekly', '"e1"', '{{"id": "ev1"}}');
            INSERT INTO channels VALUES ('c1', 'hash', 'events', 1, 1, 'r1', 'https://x/push',
                                         'active', 1700000000.0, 1800000000.0, 1700000001.0);
        """)
    return f"sqlite:///{path}"


def revision(store: Store) -> str:
    return migrate.current(store.engine)


def test_a_v3_database_opens_at_the_newest_revision_with_everything_clients_saw_unchanged(tmp_path):
    store = Store(make_v3_database(tmp_path / "v3.db"))
    assert revision(store) == migrate.head()
    assert "kind" in {c["name"] for c in inspect(store.engine).get_columns("calendars")}
    calendar = store.calendar(1)
    assert calendar.kind is Kind.EVENTS
    assert (calendar.slug, calendar.epoch, calendar.revision, calendar.min_revision,
            calendar.sync_token) == ("team", "cafe0123", 41, 12, "google-token-1")
    [item] = store.all_items(1)
    assert (item.href, item.etag, item.revision, item.start, item.end) == (
        "weekly.ics", ETAG, 40, 1767600000, END_OF_TIME)
    assert store.changed_since(1, 39) == ["weekly.ics", "gone.ics"]
    assert store.recurring_in_range(1, 1767600000, 1767700000) == {"weekly.ics": True}
    assert [a.credentials_path for a in store.accounts()] == ["/creds/a.json"]
    assert [e.event_id for e in store.google_events(1)] == ["ev1"]


def test_after_the_migration_new_calendars_get_a_kind_and_reopening_changes_nothing(tmp_path):
    url = make_v3_database(tmp_path / "v3.db")
    store = Store(url)
    with store.write() as tx:
        tasks = tx.upsert_calendar(1, 1, "tasks:list-1", kind=Kind.TASKS.value)
        events = tx.upsert_calendar(1, 1, "other@group.calendar.google.com")
    store.engine.dispose()
    again = Store(url)
    assert revision(again) == migrate.head()
    assert (again.calendar(tasks).kind, again.calendar(events).kind) == (Kind.TASKS, Kind.EVENTS)
    assert again.calendar(1).revision == 41


def test_a_database_from_a_newer_gcaldav_is_refused(tmp_path):
    url = make_v3_database(tmp_path / "v3.db")
    with sqlite3.connect(tmp_path / "v3.db") as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaTooNew, match="schema 99"):
        Store(url)


SIXTY_FOUR_BIT = {("calendars", "revision"), ("calendars", "min_revision"),
                  ("items", "start"), ("items", "end"), ("items", "revision"),
                  ("items", "indexed_from"), ("items", "indexed_until"),
                  ("occurrences", "start"), ("occurrences", "end")}


def test_time_and_revision_columns_are_64_bit_on_postgresql():
    wide = {(t.name, c.name) for t in schema.metadata.tables.values() for c in t.columns
            if isinstance(c.type, BigInteger)}
    assert wide == SIXTY_FOUR_BIT
    ddl = str(CreateTable(schema.items).compile(dialect=postgresql.dialect()))
    assert "start BIGINT NOT NULL" in ddl and '"end" BIGINT NOT NULL' in ddl


def test_the_widest_values_round_trip_through_sqlite(store):
    with store.write() as tx:
        account = tx.add_account("alice", "a@example.com", "authorized_user", "/c", None)
        calendar_id = tx.upsert_calendar(account, tx.ensure_user("alice"), "x")
        tx.set_calendar(calendar_id, revision=2**40, min_revision=2**40 - 1)
    state = store.sync_state(calendar_id)
    assert (state.revision, state.min_revision) == (2**40, 2**40 - 1)
