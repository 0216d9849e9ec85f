"""Databases for tests: a SQLite file, or a fresh PostgreSQL database per test on the server
that ``GCALDAV_TEST_DATABASE_URL`` names (.ci/run starts one; tests needing it skip without)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

URL_VARIABLE = "GCALDAV_TEST_DATABASE_URL"


def postgresql_server() -> str:
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(f"needs PostgreSQL: set {URL_VARIABLE} (e.g. from .ci/start-postgresql)")
    return url


@contextmanager
def fresh_postgresql() -> Iterator[str]:
    """The URL of a new, empty database, dropped afterwards with its connections."""
    server = make_url(postgresql_server())
    name = f"gcaldav_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


# End-to-end suites run on each backend available: SQLite always, PostgreSQL when configured.
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(URL_VARIABLE) else [])


@contextmanager
def storage_options(backend: str) -> Iterator[dict]:
    """The [storage] options putting a bridge on ``backend`` (SQLite: the default file)."""
    if backend == "sqlite":
        yield {}
        return
    with fresh_postgresql() as url:
        yield {"database": url}
