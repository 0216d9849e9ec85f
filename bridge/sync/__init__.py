"""Keeping the local store in step with Google: feed → materialise → mirror."""

from .engine import SyncEngine

__all__ = ["SyncEngine"]
