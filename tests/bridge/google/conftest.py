"""Fixtures for the Google client tests: clients on the emulator with recorded waits."""

from __future__ import annotations

import pytest

from bridge.google import GoogleClient, credentials


class Waits(list):
    """A ``sleep`` seam: records the requested delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def waits():
    return Waits()


@pytest.fixture
def make_client(emulator, waits):
    """Factory: a GoogleClient on the emulator for credentials ``info`` (any accepted shape);
    waits go to ``waits``; keyword arguments go to GoogleClient (``subject`` to build)."""
    def make(info: dict, *, subject: str | None = None, **options) -> GoogleClient:
        creds = credentials.build(credentials.parse_info(info), subject=subject)
        options.setdefault("sleep", waits)
        return GoogleClient(creds, api_endpoint=emulator.emulator.api_url, **options)
    return make


@pytest.fixture
def client(make_client, alice):
    return make_client(alice)

