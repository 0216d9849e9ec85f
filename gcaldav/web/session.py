"""Signed cookie sessions for the pages: who is signed in, and the token every form carries
(CSRF). The cookie is signed, not encrypted: it holds a user name and a random token, never a
secret. The signing key lives only in the server process, so a restart signs everyone out."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "gcaldav_session"
LIFETIME = 3600         # seconds: an unused session dies after an hour


@dataclass
class Session:
    user: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    # Not stored, set per request: admin or not, and the pages' path (behind a sub-path too).
    admin: bool = False
    home: str = "/.gcaldav"

    def valid_form(self, token: str | None) -> bool:
        return bool(token) and secrets.compare_digest(token, self.csrf)


class Sessions:
    def __init__(self, lifetime: float = LIFETIME):
        self.lifetime = lifetime
        self._signer = URLSafeTimedSerializer(secrets.token_bytes(32), salt="gcaldav-session")

    def load(self, cookie: str | None) -> Session:
        if cookie:
            try:
                data = self._signer.loads(cookie, max_age=self.lifetime)
                return Session(user=data.get("user"), csrf=data["csrf"])
            except (BadSignature, KeyError, TypeError, AttributeError):
                pass
        return Session()

    def save(self, response, session: Session, *, secure: bool) -> None:
        response.set_cookie(COOKIE, self._signer.dumps({"user": session.user,
                                                        "csrf": session.csrf}),
                            max_age=int(self.lifetime), path=session.home + "/",
                            httponly=True, samesite="Lax", secure=secure)


class Throttle:
    """Failed sign-ins per key (user name, client address): after ``limit`` failures within
    ``window`` seconds the key waits until the oldest failure leaves the window."""

    def __init__(self, limit: int = 5, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> float:
        """Seconds until these keys may try again (0: now)."""
        now = self.clock()
        with self._lock:
            recent = [self._recent(key, now) for key in keys]
        return max([0.0] + [r[0] + self.window - now for r in recent if len(r) >= self.limit])

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 10000:       # a spray of names: forget what expired
                for key in list(self._failures):
                    self._recent(key, now)
            for key in keys:
                self._failures.setdefault(key, []).append(now)

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._failures.pop(key, ()) if t > now - self.window]
        if recent:
            self._failures[key] = recent
        return recent
