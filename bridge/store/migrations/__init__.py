"""Alembic migrations of the store's tables (run through ``bridge.store.migrate``)."""
