"""Incoming push notifications: checked against the stored channels, then turned into sync
requests.

A notification is accepted only if its channel id names a channel we created and have not
stopped, its token matches, and (once known) its resource id is the channel's. Anything else
is refused and logged and triggers nothing. ``sync`` messages (channel start) only confirm
that the channel delivers (a renewal then supersedes its predecessor); ``exists`` asks for a
sync of the watched resource. Duplicates (same channel and message number) are acknowledged
and dropped, also when the copies reach different processes: the first to claim the message
in the store's leases syncs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Mapping

from ..ops.metrics import Metrics
from ..store import Store
from ..store import channels as stored
from .channels import watched

log = logging.getLogger(__name__)

STATES = ("sync", "exists", "not_exists")
SEEN_FOR = 3600.0       # seconds a message number is remembered, across processes
FORGET_EVERY = 600.0    # seconds between clean-ups of numbers no longer remembered
CLAIM_PREFIX = "push-message:"


class Notifications:
    def __init__(self, store: Store, metrics: Metrics,
                 on_change: Callable[[str, int], None],
                 on_renewal: Callable[[int], None]):
        self.store, self.metrics, self.on_change = store, metrics, on_change
        self.on_renewal = on_renewal
        self._lock = threading.Lock()
        self._forgotten = time.monotonic()

    def handle(self, headers: Mapping[str, str], remote: str = "") -> int:
        """Process one notification; answers the HTTP status for Google (2xx accepted, 4xx
        refused: Google does not retry those)."""
        h = {k.lower(): v for k, v in headers.items()}
        channel_id = h.get("x-goog-channel-id", "")
        state = h.get("x-goog-resource-state", "")
        number = h.get("x-goog-message-number", "")
        if not channel_id or len(channel_id) > 64 or state not in STATES \
                or not number.isdigit() or len(number) > 20:
            return self._refuse(400, "malformed", channel_id, remote)
        row = stored.get(self.store, channel_id)
        if row is None:
            return self._refuse(403, "unknown_channel", channel_id, remote)
        if not stored.token_matches(row, h.get("x-goog-channel-token")):
            return self._refuse(403, "wrong_token", channel_id, remote)
        if row.state == "retired":
            return self._refuse(403, "stopped_channel", channel_id, remote)
        if row.resource_id and h.get("x-goog-resource-id") != row.resource_id:
            return self._refuse(403, "wrong_resource", channel_id, remote)
        if row.state == "active" and row.expiration <= time.time():
            return self._refuse(403, "expired_channel", channel_id, remote)
        if row.confirmed is None:
            stored.confirm(self.store, channel_id)
            if stored.renews(self.store, row):
                self.on_renewal(row.account_id)
        if state == "sync":
            return self._accept("sync")
        if self._duplicate(channel_id, number):
            return self._accept("duplicate")
        self.on_change(*watched(row))
        return self._accept("change")

    def _duplicate(self, channel_id: str, number: str) -> bool:
        leases = self.store.leases
        first = leases.run_once(f"{CLAIM_PREFIX}{channel_id}:{int(number)}", SEEN_FOR)
        with self._lock:
            now = time.monotonic()
            forget = now - self._forgotten > FORGET_EVERY
            if forget:
                self._forgotten = now
        if forget:
            leases.forget_claims(CLAIM_PREFIX)
        return not first

    def _accept(self, reason: str) -> int:
        self.metrics.notification(True, reason)
        return 200

    def _refuse(self, status: int, reason: str, channel_id: str, remote: str) -> int:
        self.metrics.notification(False, reason)
        # The channel id is ours or the sender's; the token is never logged.
        log.warning("refused push notification from %s: %s (channel %r)", remote or "?",
                    reason, channel_id[:64])
        return status
