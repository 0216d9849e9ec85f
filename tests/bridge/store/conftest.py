"""A real store on a SQLite file for every test here."""

from __future__ import annotations

import pytest

from bridge.store import Store


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.engine.dispose()
