"""The channels table: revision 0002, the migration from a schema-1 database, and what counts as a
healthy channel."""

from __future__ import annotations

import time

from alembic import command
from sqlalchemy import create_engine, inspect, text

from bridge.store import Store
from bridge.store import channels as stored
from bridge.store import migrate, schema


def make_v1_database(path) -> str:
    """A database as gcaldav with schema 1 left it (no channels, no occurrence index; the
    version in ``meta``, no Alembic table), one account."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(schema.meta.insert().values(key="schema_version", value="1"))
        conn.execute(schema.users.insert().values(id=1, name="alice"))
        conn.execute(text("INSERT INTO accounts (id, user_id, email, kind, credentials_path, "
                          "list_synced) VALUES (1, 1, 'a@example.com', 'authorized_user', "
                          "'/x', 0.0)"))
    engine.dispose()
    return url


def test_the_migration_step_adds_the_channels_table_to_a_v1_database(tmp_path):
    url = make_v1_database(tmp_path / "v1.db")
    engine = create_engine(url)
    assert "channels" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        command.stamp(migrate.alembic_config(conn), "0001")
        command.upgrade(migrate.alembic_config(conn), "0002")
    assert "channels" in inspect(engine).get_table_names()
    columns = {c["name"] for c in inspect(engine).get_columns("channels")}
    assert {"id", "token_hash", "kind", "account_id", "calendar_id", "resource_id", "address",
            "state", "expiration", "confirmed"} <= columns


def test_opening_a_v1_database_migrates_it_and_keeps_its_data(tmp_path):
    url = make_v1_database(tmp_path / "v1.db")
    store = Store(url)
    assert migrate.current(store.engine) == migrate.head()
    columns = {c["name"] for c in inspect(store.engine).get_columns("items")}
    assert {"indexed_from", "indexed_until"} <= columns
    assert [a.email for a in store.accounts()] == ["a@example.com"]
    stored.add(store, channel_id="c1", token="t", kind="list", account_id=1, calendar_id=None,
               address="https://x/.gcaldav/push")
    assert stored.get(store, "c1").state == "pending"


def test_healthy_means_active_confirmed_unexpired_and_to_our_address(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'db'}")
    address = "https://bridge.example/.gcaldav/push"
    stored.add(store, channel_id="c1", token="t", kind="events", account_id=1, calendar_id=5,
               address=address)
    assert not stored.healthy(store, "events", 5, address)            # pending
    stored.activate(store, "c1", "r1", time.time() + 60)
    assert not stored.healthy(store, "events", 5, address)            # no message yet
    stored.confirm(store, "c1")
    assert stored.healthy(store, "events", 5, address)
    assert not stored.healthy(store, "events", 6, address)            # another calendar
    assert not stored.healthy(store, "list", 1, address)              # not the list
    assert not stored.healthy(store, "events", 5, "https://elsewhere/.gcaldav/push")
    assert not stored.healthy(store, "events", 5, address, margin=120)
    stored.retire(store, "c1")
    assert not stored.healthy(store, "events", 5, address)
