"""Alembic migrations: every way into a database (fresh SQLite, fresh PostgreSQL, a schema-1
or schema-3 SQLite file from before Alembic) ends at exactly the tables schema.py declares;
two processes opening one database together migrate it once."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import BigInteger, Integer, create_engine, select

from bridge.store import Store, migrate, schema
from bridge.store.database import SchemaTooNew

from test_database import ETAG, make_v3_database


def differences(engine) -> list:
    """What autogenerate would add or change to reach schema.py (empty: the same)."""
    def compare_type(context, inspected, metadata, inspected_type, metadata_type):
        # SQLite stores every integer in 64 bits: INTEGER there is what BigInteger means.
        if engine.dialect.name == "sqlite" and isinstance(metadata_type, BigInteger) \
                and isinstance(inspected_type, Integer):
            return False
        return None
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        return compare_metadata(context, schema.metadata)


def test_a_fresh_sqlite_database_is_created_by_alembic_as_schema_py_says(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert migrate.current(store.engine) == migrate.head()
    assert differences(store.engine) == []


def test_a_fresh_postgresql_database_is_created_by_alembic_as_schema_py_says(postgresql_url):
    store = Store(postgresql_url)
    assert migrate.current(store.engine) == migrate.head()
    assert differences(store.engine) == []
    store.engine.dispose()


def test_a_v3_sqlite_file_reaches_the_same_tables_with_etags_and_tokens_kept(tmp_path):
    store = Store(make_v3_database(tmp_path / "v3.db"))
    assert migrate.current(store.engine) == migrate.head()
    assert differences(store.engine) == []
    calendar = store.calendar(1)
    assert (calendar.revision, calendar.sync_token, calendar.epoch) == (41, "google-token-1",
                                                                        "cafe0123")
    assert [(i.href, i.etag) for i in store.all_items(1)] == [("weekly.ics", ETAG)]


def test_a_database_from_before_alembic_is_marked_so_older_gcaldav_refuses_it(tmp_path):
    store = Store(make_v3_database(tmp_path / "v3.db"))
    with store.engine.connect() as conn:
        marker = conn.execute(select(schema.meta.c.value).where(
            schema.meta.c.key == "schema_version")).scalar_one()
    assert int(marker) > migrate.LAST_HAND_VERSION


def test_a_revision_this_gcaldav_does_not_know_is_refused(tmp_path):
    url = make_v3_database(tmp_path / "v3.db")
    Store(url).engine.dispose()
    with sqlite3.connect(tmp_path / "v3.db") as db:
        db.execute("UPDATE alembic_version SET version_num = 'fffffffff'")
    with pytest.raises(SchemaTooNew, match="fffffffff"):
        Store(url)


def _open(url: str, results) -> None:
    engine = create_engine(url)
    results.put(migrate.migrate(engine))
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_opening_one_new_database_together_both_succeed(backend, tmp_path,
                                                                       request):
    url = (f"sqlite:///{tmp_path / 'shared.db'}" if backend == "sqlite"
           else request.getfixturevalue("postgresql_url"))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_open, args=(url, results)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert [results.get(timeout=5) for _ in processes] == [migrate.head()] * 3
    engine = create_engine(url)
    assert differences(engine) == []
    engine.dispose()
