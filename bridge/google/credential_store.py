"""Where each linked account's Google credentials live.

``CredentialStore`` is what the rest of the bridge relies on; ``version(account_id)``
changes whenever an account's credentials are replaced (a new sign-in), so every process can
notice and rebuild its client without a restart. ``FileCredentialStore`` keeps one file per
account, named by the account id (``account-<id>.json``), so two accounts never share one;
``RowCredentialStore`` keeps them in the database when processes on several hosts serve.
"""

from __future__ import annotations

import hashlib
import json
import os
from abc import ABC, abstractmethod
from pathlib import Path

from .credentials import CredentialsError, parse_info
from .private_files import private_dir, write_private


class CredentialStore(ABC):
    @abstractmethod
    def save(self, account_id: int, info: dict) -> None:
        """Store (or replace) the account's credentials; ``info`` in any accepted shape."""

    @abstractmethod
    def load(self, account_id: int) -> dict | None:
        """The account's normalised credentials, or None if none are stored."""

    @abstractmethod
    def delete(self, account_id: int) -> None:
        """Forget the account's credentials (nothing happens if there are none)."""

    @abstractmethod
    def version(self, account_id: int) -> str | None:
        """A short string that changes whenever the credentials change; None if none."""


class FileCredentialStore(CredentialStore):
    """One 0600 JSON file per account in a 0700 directory, replaced atomically."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = private_dir(directory)

    def path(self, account_id: int) -> Path:
        if isinstance(account_id, bool) or not isinstance(account_id, int) or account_id < 0:
            raise ValueError(f"account ids are non-negative integers, not {account_id!r}")
        return self.directory / f"account-{account_id}.json"

    def save(self, account_id: int, info: dict) -> None:
        write_private(self.path(account_id), parse_info(info))

    def load(self, account_id: int) -> dict | None:
        return _parsed(account_id, self._read(account_id))

    def delete(self, account_id: int) -> None:
        self.path(account_id).unlink(missing_ok=True)

    def version(self, account_id: int) -> str | None:
        # A digest of the content: cheap for a file this small, and unlike mtimes it cannot
        # miss two replacements within one timestamp tick.
        raw = self._read(account_id)
        return None if raw is None else hashlib.sha256(raw).hexdigest()[:16]

    def _read(self, account_id: int) -> bytes | None:
        try:
            return self.path(account_id).read_bytes()
        except FileNotFoundError:
            return None


class RowCredentialStore(CredentialStore):
    """Credentials in a database all server processes share; ``rows`` reads, writes and
    deletes each account's JSON (bridge.store.credential_rows)."""

    def __init__(self, rows):
        self.rows = rows

    def save(self, account_id: int, info: dict) -> None:
        self.rows.write(account_id, json.dumps(parse_info(info)).encode())

    def load(self, account_id: int) -> dict | None:
        return _parsed(account_id, self.rows.read(account_id))

    def delete(self, account_id: int) -> None:
        self.rows.delete(account_id)

    def version(self, account_id: int) -> str | None:
        raw = self.rows.read(account_id)
        return None if raw is None else hashlib.sha256(raw).hexdigest()[:16]


def _parsed(account_id: int, raw: bytes | None) -> dict | None:
    if raw is None:
        return None
    try:
        return parse_info(json.loads(raw))
    except (ValueError, CredentialsError) as exc:
        raise CredentialsError(f"The stored credentials of account {account_id} are "
                               f"damaged ({exc}); sign in again with `gcaldav login`.") from None
