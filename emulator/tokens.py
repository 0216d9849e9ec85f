"""Opaque, tamper-evident sync and page tokens.

A token is base64url(JSON payload + HMAC). Sync tokens carry a position in a change log plus
the epoch of the log they were minted in (bumped to invalidate every outstanding token) and
their mint time (for expiry). Page tokens carry the snapshot high-water mark captured on the
first page, so a change made between pages is left for the next incremental list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

_KEY = secrets.token_bytes(32)


def encode(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(_KEY, raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac + raw).decode().rstrip("=")


def decode(token: str) -> dict | None:
    """The payload, or None for anything we did not mint."""
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    mac, raw = blob[:12], blob[12:]
    if not hmac.compare_digest(mac, hmac.new(_KEY, raw, hashlib.sha256).digest()[:12]):
        return None
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def query_fingerprint(params: dict) -> str:
    """A short digest of the query a page token belongs to (pageToken itself excluded)."""
    canon = json.dumps(sorted((k, v) for k, v in params.items() if k != "pageToken"))
    return hashlib.sha256(canon.encode()).hexdigest()[:16]
