"""Credentials in the database (for processes on several hosts): what one process saves,
another reads; the version follows every replacement; damaged rows get a clear error."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bridge.google.credential_store import RowCredentialStore
from bridge.google.credentials import CredentialsError
from bridge.store import Store
from bridge.store.credential_rows import CredentialRows


def info(n: int) -> dict:
    return {"type": "authorized_user", "client_id": f"client-{n}",
            "client_secret": f"secret-{n}", "refresh_token": f"refresh-{n}"}


@pytest.fixture(params=["sqlite", "postgresql"])
def two_processes(request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgresql_url"))
    stores = [Store(url), Store(url)]
    yield [RowCredentialStore(CredentialRows(s)) for s in stores]
    for store in stores:
        store.engine.dispose()


def test_what_one_process_saves_the_other_loads_and_sees_replaced(two_processes):
    one, other = two_processes
    assert other.load(1) is None and other.version(1) is None
    one.save(1, info(1))
    assert other.load(1)["refresh_token"] == "refresh-1"
    first = other.version(1)
    one.save(1, info(2))
    assert other.load(1)["refresh_token"] == "refresh-2" and other.version(1) != first
    one.save(2, info(3))
    one.delete(1)
    assert other.load(1) is None and other.load(2)["client_id"] == "client-3"


def test_a_damaged_row_is_refused_without_its_content(two_processes, tmp_path):
    one, other = two_processes
    one.save(5, info(5))
    with one.rows.store.write() as tx:
        tx.conn.execute(text("UPDATE credentials SET data = '{\"refresh_token\": \"leak\"'"))
    with pytest.raises(CredentialsError, match="sign in again") as caught:
        other.load(5)
    assert "leak" not in str(caught.value)


def test_garbage_is_refused_before_it_is_stored(two_processes):
    one, other = two_processes
    with pytest.raises(CredentialsError):
        one.save(1, {"type": "nonsense"})
    assert other.load(1) is None


def test_a_bridge_on_postgresql_keeps_credentials_in_the_database(postgresql_url, tmp_path):
    from bridge.service import Bridge
    from bridge.settings import Settings

    bridge = Bridge(Settings(data_dir=str(tmp_path / "data"), database=postgresql_url))
    assert isinstance(bridge.credentials, RowCredentialStore)
    bridge.store.engine.dispose()
