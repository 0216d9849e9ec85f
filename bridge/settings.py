"""The bridge's settings (the Radicale plugin fills them from its [storage] options)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


def default_data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return os.path.join(base, "gcaldav")


@dataclass
class Settings:
    data_dir: str = field(default_factory=default_data_dir)
    database: str = ""                      # SQLAlchemy URL; default: SQLite in data_dir
    google_api_endpoint: str | None = None  # default: Google's
    google_token_uri: str | None = None     # default: the credentials file's, else Google's
    freshness: float = 30.0                 # seconds a calendar counts as fresh
    google_timeout: float = 30.0
    send_updates: str = "none"              # Google's sendUpdates for client writes
    allow_calendar_delete: bool = False     # DELETE of a collection reaches Google
    google_calls_per_minute: float = 600.0  # each account's budget of Google calls (0: none)
    # Seams: tests pass a fake clock or a sleep that records instead of waiting.
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.send_updates not in ("none", "externalOnly", "all"):
            raise ValueError(f"send_updates must be none, externalOnly or all, "
                             f"not {self.send_updates!r}")
        self.data_dir = os.path.expanduser(self.data_dir)
        if not self.database:
            self.database = "sqlite:///" + os.path.join(self.data_dir, "gcaldav.db")

    @property
    def credentials_dir(self) -> str:
        return os.path.join(self.data_dir, "credentials")
