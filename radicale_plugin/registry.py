"""One Bridge per Radicale configuration, shared by the storage and rights plugins (Radicale
loads each plugin separately, handing both the same configuration object)."""

from __future__ import annotations

import threading

from bridge.core import Bridge
from bridge.settings import Settings

_bridges: dict[int, Bridge] = {}
_lock = threading.Lock()


def register(configuration, settings: Settings) -> Bridge:
    with _lock:
        bridge = _bridges.get(id(configuration))
        if bridge is None:
            bridge = _bridges[id(configuration)] = Bridge(settings)
        return bridge


def lookup(configuration) -> Bridge:
    with _lock:
        bridge = _bridges.get(id(configuration))
    if bridge is None:
        raise RuntimeError("gcaldav: the rights plugin needs [storage] type = radicale_plugin")
    return bridge
