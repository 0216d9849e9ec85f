"""Rights plugin: ``[rights] type = radicale_plugin.rights``.

Owner-only access (a user sees only their own principal and calendars); calendars Google
shares read-only (accessRole reader or freeBusyReader) are read-only over CalDAV too, so
clients show them as such and writes get 403 before anything is attempted.
"""

from __future__ import annotations

import time

from radicale import pathutils
from radicale.rights import owner_only

from . import registry

# Radicale asks once per item of a depth-1 PROPFIND; the answer barely ever changes, so it is
# remembered this many seconds instead of costing a query (and a path check) per item.
ROLE_CACHE_SECONDS = 5.0
MAX_REMEMBERED = 10_000


class Rights(owner_only.Rights):
    def __init__(self, configuration):
        super().__init__(configuration)
        self._roles: dict[tuple[str, str], tuple[float, bool]] = {}
        self._answers: dict[tuple[str, str], tuple[float, str]] = {}

    def authorization(self, user: str, user_groups: set, path: str) -> str:
        # owner_only ignores groups: the answer depends on the user, the path and the role.
        now = time.monotonic()
        cached = self._answers.get((user, path))
        if cached is not None and now - cached[0] <= ROLE_CACHE_SECONDS:
            return cached[1]
        since, permissions = now, super().authorization(user, user_groups, path)
        parts = pathutils.strip_path(path).split("/")
        if len(parts) >= 2 and "w" in permissions:
            since, read_only = self._read_only(parts[0], parts[1], now)
            if read_only:
                permissions = permissions.replace("w", "")
        _remember(self._answers, (user, path), (since, permissions))
        return permissions

    def _read_only(self, user: str, slug: str, now: float) -> tuple[float, bool]:
        """(when it was looked up, whether the calendar is read-only)."""
        cached = self._roles.get((user, slug))
        if cached is None or now - cached[0] > ROLE_CACHE_SECONDS:
            row = registry.lookup(self.configuration).calendar(user, slug, fresh=False)
            cached = (now, bool(row and row.read_only))
            _remember(self._roles, (user, slug), cached)
        return cached


def _remember(memo: dict, key, value) -> None:
    if len(memo) >= MAX_REMEMBERED:
        memo.clear()
    memo[key] = value
