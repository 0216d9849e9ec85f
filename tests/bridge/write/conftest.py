"""A bridge engine (no server) on the emulator, for the write paths' tests."""

from __future__ import annotations

import pytest

from bridge.service import Bridge
from bridge.settings import Settings

SCOPES = ["https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/tasks"]


@pytest.fixture
def make_core(emulator, tmp_path):
    """make_core(**settings) -> a Bridge on the emulator (no waiting between retries)."""
    made = []

    def make(**settings) -> Bridge:
        core = Bridge(Settings(data_dir=str(tmp_path / "data"),
                               google_api_endpoint=emulator.emulator.api_url,
                               google_token_uri=emulator.emulator.token_url,
                               sleep=lambda seconds: None, **settings))
        made.append(core)
        return core
    yield make
    for core in made:
        core.store.engine.dispose()


@pytest.fixture
def bridge(make_core):
    return make_core()
