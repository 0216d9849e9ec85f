"""One Bridge per Radicale configuration, shared by the storage and rights plugins (Radicale
loads each plugin separately, handing both the same configuration object).

Keyed weakly by the configuration object itself, not by ``id()``: an id is reused once its
object is gone, which could hand a new configuration a stale bridge."""

from __future__ import annotations

import threading
import weakref

from bridge.service import Bridge
from bridge.settings import Settings

_bridges: "weakref.WeakKeyDictionary[object, Bridge]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def register(configuration, settings: Settings) -> Bridge:
    with _lock:
        bridge = _bridges.get(configuration)
        if bridge is None:
            bridge = _bridges[configuration] = Bridge(settings)
        return bridge


def lookup(configuration) -> Bridge:
    with _lock:
        bridge = _bridges.get(configuration)
    if bridge is None:
        raise RuntimeError("gcaldav: the rights plugin needs [storage] type = radicale_plugin")
    return bridge
