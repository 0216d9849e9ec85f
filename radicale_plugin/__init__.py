"""Radicale plugins for gcaldav: ``[storage] type = radicale_plugin`` and
``[rights] type = radicale_plugin.rights``. A thin adapter over ``bridge``."""

from .storage import Storage

__all__ = ["Storage"]
