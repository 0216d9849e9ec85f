"""The local store (SQLAlchemy; SQLite by default, PostgreSQL for large deployments)."""

from .store import Store
from .transaction import Tx, slug_for

__all__ = ["Store", "Tx", "slug_for"]
