"""Each account's Google credentials as rows of the database, for server processes on
several hosts (a local file would not reach the others). The JSON is kept as given: the
database then holds secrets and must be guarded like the credential files."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from .schema import credentials
from .store import Store


class CredentialRows:
    def __init__(self, store: Store):
        self.store = store

    def read(self, account_id: int) -> bytes | None:
        with self.store.engine.connect() as conn:
            row = conn.execute(select(credentials.c.data)
                               .where(credentials.c.account_id == account_id)).first()
        return None if row is None else row.data.encode()

    def write(self, account_id: int, data: bytes) -> None:
        with self.store.write() as tx:
            tx.conn.execute(credentials.delete().where(credentials.c.account_id == account_id))
            tx.conn.execute(credentials.insert().values(
                account_id=account_id, data=data.decode(),
                version=hashlib.sha256(data).hexdigest()[:16]))

    def delete(self, account_id: int) -> None:
        with self.store.write() as tx:
            tx.conn.execute(credentials.delete().where(credentials.c.account_id == account_id))
