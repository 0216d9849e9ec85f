"""A real Bridge against the emulator with a hand-moved clock and no real waiting, for the
sync engine's direct tests."""

from __future__ import annotations

import pytest

from bridge.service import Bridge
from bridge.settings import Settings

FRESHNESS = 60.0


class Clock:
    """The bridge's wall clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bridge(emulator, tmp_path, clock):
    core = Bridge(Settings(data_dir=str(tmp_path / "data"), freshness=FRESHNESS,
                           google_api_endpoint=emulator.emulator.api_url,
                           google_token_uri=emulator.emulator.token_url,
                           clock=clock, sleep=lambda seconds: None))
    yield core
    core.store.engine.dispose()
