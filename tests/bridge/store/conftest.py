"""A real store on a SQLite file for every test here."""

from __future__ import annotations

import pytest

from bridge.store import Store

from tests.databases import fresh_postgresql


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.engine.dispose()


@pytest.fixture
def postgresql_url() -> str:
    """A fresh PostgreSQL database (skips when no server is configured)."""
    with fresh_postgresql() as url:
        yield url
