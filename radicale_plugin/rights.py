"""Rights plugin: ``[rights] type = radicale_plugin.rights``.

Owner-only access (a user sees only their own principal and calendars); calendars Google
shares read-only (accessRole reader or freeBusyReader) are read-only over CalDAV too, so
clients show them as such and writes get 403 before anything is attempted.
"""

from __future__ import annotations

from radicale import pathutils
from radicale.rights import owner_only

from . import registry

READ_ONLY_ROLES = ("reader", "freeBusyReader")
# The write path (client PUT/DELETE → Google) is a later issue; until it lands, every
# calendar is read-only so clients get a clean 403 instead of a failed write.
WRITES_SUPPORTED = False


class Rights(owner_only.Rights):
    def authorization(self, user: str, user_groups: set, path: str) -> str:
        permissions = super().authorization(user, user_groups, path)
        parts = pathutils.strip_path(path).split("/")
        if len(parts) < 2 or "w" not in permissions:
            return permissions
        if not WRITES_SUPPORTED:
            return permissions.replace("w", "")
        row = registry.lookup(self.configuration).store.calendar_by_slug(parts[0], parts[1])
        if row is not None and row.access_role in READ_ONLY_ROLES:
            return permissions.replace("w", "")
        return permissions
