"""Google event ids derived from a client's UID.

The same UID always yields the same first id, so a retried insert (client retry, lost reply,
crash between Google's answer and our commit) collides with itself (409) instead of creating
a second event. Google never reuses the id of a deleted event, so re-creating a UID tries the
next id of the sequence.
"""

from __future__ import annotations

import base64
import hashlib

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_B32HEX = "0123456789abcdefghijklmnopqrstuv"
_TO_HEX = str.maketrans(_B32, _B32HEX)


def event_id(uid: str, generation: int = 0) -> str:
    """A valid client id ([a-v0-9]{5,1024}): base32hex of a hash of the UID and generation."""
    digest = hashlib.sha256(f"{uid}\x00{generation}".encode()).digest()[:20]
    return base64.b32encode(digest).decode().translate(_TO_HEX).rstrip("=")
