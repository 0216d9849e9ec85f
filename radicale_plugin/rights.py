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
# remembered this many seconds instead of costing a query per item.
ROLE_CACHE_SECONDS = 5.0


class Rights(owner_only.Rights):
    def __init__(self, configuration):
        super().__init__(configuration)
        self._roles: dict[tuple[str, str], tuple[float, bool]] = {}

    def authorization(self, user: str, user_groups: set, path: str) -> str:
        permissions = super().authorization(user, user_groups, path)
        parts = pathutils.strip_path(path).split("/")
        if len(parts) < 2 or "w" not in permissions:
            return permissions
        if self._read_only(parts[0], parts[1]):
            return permissions.replace("w", "")
        return permissions

    def _read_only(self, user: str, slug: str) -> bool:
        now = time.monotonic()
        cached = self._roles.get((user, slug))
        if cached is None or now - cached[0] > ROLE_CACHE_SECONDS:
            row = registry.lookup(self.configuration).calendar(user, slug, fresh=False)
            cached = self._roles[(user, slug)] = (now, bool(row and row.read_only))
        return cached[1]
