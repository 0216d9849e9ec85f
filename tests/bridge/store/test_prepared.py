"""Prepared reads (the one-row reads of every client request, run on the driver's cursor)
answer exactly what SQLAlchemy answers, with its types, on SQLite and PostgreSQL; they skip
SQLAlchemy's execution unless someone watches the engine's statements; a driver failure
ends as SQLAlchemy's own error, and a dead PostgreSQL connection costs at most one failed
read."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, create_engine, \
    event, exc, select, text
from sqlalchemy.engine import Connection

from bridge.store import Store, request_reads
from bridge.store.prepared import Prepared

from tests.bridge.store.builders import add_calendar, put, tombstone
from tests.databases import postgresql_server

READS = {"calendar and item": request_reads._CALENDAR_AND_ITEM,
         "calendar": request_reads._CALENDAR, "user": request_reads._USER}


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgresql_url")
    store = Store(url)
    yield store
    store.engine.dispose()


def filled(store: Store) -> str:
    """A calendar with a live resource, a recurring one and a tombstone; answers its slug."""
    calendar_id = add_calendar(store, summary="Team", color="#112233")
    put(store, calendar_id, "plain")
    put(store, calendar_id, "weekly", recurring=True, end=253402300800)
    tombstone(store, calendar_id, "plain")
    put(store, calendar_id, "kept")
    return store.calendar(calendar_id).slug


def sqlalchemy_answer(store: Store, prepared: Prepared, params: dict) -> dict | None:
    with store.reader.connect() as conn:
        row = conn.execute(prepared.statement, params).first()
    return None if row is None else dict(row._mapping)


def test_prepared_reads_answer_what_sqlalchemy_answers_with_its_types(any_store):
    slug = filled(any_store)
    asked = [("calendar and item", {"user": "alice", "slug": slug, "href": h})
             for h in ("kept.ics", "weekly.ics", "plain.ics", "missing.ics")]
    asked += [("calendar and item", {"user": "bob", "slug": slug, "href": "kept.ics"}),
              ("calendar", {"user": "alice", "slug": slug}),
              ("calendar", {"user": "alice", "slug": "nowhere"}),
              ("user", {"user": "alice"}), ("user", {"user": "bob"})]
    answers = 0
    for name, params in asked:
        expected = sqlalchemy_answer(any_store, READS[name], params)
        got = READS[name].first(any_store.reader, params)
        assert got == expected, (name, params)
        if expected is not None:
            answers += 1
            assert list(got) == list(expected)
            assert {k: type(v) for k, v in got.items()} == \
                {k: type(v) for k, v in expected.items()}, (name, params)
    assert answers == 6
    found = READS["calendar and item"].first(
        any_store.reader, {"user": "alice", "slug": slug, "href": "weekly.ics"})
    assert found["deleted"] is False and found["selected"] is True and found["hidden"] is None
    assert found["item_recurring"] is True and found["item_end"] == 253402300800


def test_the_request_read_builds_records_from_a_prepared_row(any_store):
    slug = filled(any_store)
    found = request_reads.calendar(any_store, "alice", slug, "kept.ics")
    assert found.calendar == any_store.calendar_by_slug("alice", slug)
    assert found.item == any_store.item(found.calendar.id, "kept.ics")
    assert found.copies == 1 and found.needs_sign_in is False
    assert request_reads.calendar(any_store, "alice", slug, "plain.ics").item is None
    assert request_reads.calendar(any_store, "alice", "nowhere") is None


def test_prepared_reads_skip_sqlalchemy_execution_unless_statements_are_watched(store,
                                                                               monkeypatch):
    slug = filled(store)
    params = {"user": "alice", "slug": slug}
    executed = []
    original = Connection.execute
    monkeypatch.setattr(Connection, "execute",
                        lambda self, *a, **k: (executed.append(a[0]), original(self, *a, **k))[1])
    assert request_reads._CALENDAR.first(store.reader, params)["slug"] == slug
    assert executed == []
    seen = []

    def note(conn, cursor, statement, *rest):
        seen.append(statement)
    event.listen(store.engine, "before_cursor_execute", note)
    try:
        assert request_reads._CALENDAR.first(store.reader, params)["slug"] == slug
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    assert len(executed) == 1 and len(seen) == 1


def test_a_driver_failure_ends_as_sqlalchemys_error_without_the_parameters(any_store):
    missing = Table("no_such_table", MetaData(), Column("id", Integer), Column("name", String))
    prepared = Prepared(select(missing.c.id).where(missing.c.name == bindparam("name")))
    with pytest.raises(exc.DBAPIError) as raised:
        prepared.first(any_store.reader, {"name": "private-event-text"})
    assert "private-event-text" not in str(raised.value)
    assert request_reads._USER.first(any_store.reader, {"user": "alice"}) is None   # still works


def test_statements_with_expanding_parameters_are_refused(store):
    items = Table("items", MetaData(), Column("href", String))
    prepared = Prepared(select(items.c.href).where(
        items.c.href.in_(bindparam("hrefs", expanding=True))))
    with pytest.raises(ValueError):
        prepared.first(store.reader, {"hrefs": ["a.ics"]})


def test_a_dead_postgresql_connection_costs_at_most_one_failed_read(postgresql_url):
    store = Store(postgresql_url)
    admin = create_engine(postgresql_server(), isolation_level="AUTOCOMMIT")
    try:
        slug = filled(store)
        params = {"user": "alice", "slug": slug}
        store.engine.dispose()      # one pooled connection from here on
        assert request_reads._CALENDAR.first(store.reader, params)["slug"] == slug
        with store.reader.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        failed = 0
        for _ in range(2):
            try:
                assert request_reads._CALENDAR.first(store.reader, params)["slug"] == slug
            except exc.DBAPIError as error:     # SQLAlchemy's, after the driver's
                assert error.connection_invalidated
                failed += 1
        assert failed <= 1
        assert request_reads._CALENDAR.first(store.reader, params)["slug"] == slug
    finally:
        admin.dispose()
        store.engine.dispose()
