"""Keeping the local store in step with Google."""

from .engine import SyncEngine, SyncResult

__all__ = ["SyncEngine", "SyncResult"]
