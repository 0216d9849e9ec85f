"""One password check per request.

The door (gcaldav/door.py) checks the login of a request with a body before reading the
body; Radicale then checked the same credentials again. With htpasswd's usual bcrypt each
check costs tens of milliseconds, so every PROPFIND and REPORT paid twice what stock
Radicale pays. ``SharedLogin`` is Radicale's own ``[auth]`` backend, used by the door (and
the pages) and installed as Radicale's: when the door marked the request as checked with
exactly these credentials, on this thread, Radicale gets the door's answer instead of a
second check. Anything else (no mark, other credentials, another request) is checked anew.
"""

from __future__ import annotations

import threading

import radicale.auth
from radicale.auth import AuthContext


class SharedLogin:
    def __init__(self, configuration, checked_key: str):
        self.backend = radicale.auth.load(configuration)
        self.checked_key = checked_key      # environ: (user, password) the door checked
        self._local = threading.local()

    def __call__(self, user: str, password: str) -> str:
        """Check a login; answers the CalDAV user it maps to ('' if refused)."""
        answer = self.backend.login(user, password, AuthContext())
        self._local.checked = (user, password, answer)
        return answer[0] or ""

    def install(self, app: radicale.Application) -> None:
        """Be the Radicale application's [auth] backend."""
        app._auth = _RadicaleSide(self)


class _RadicaleSide:
    """What Radicale asks of its auth backend, answered from the door's check if it made
    one for this very request (Radicale asks ``get_external_login(environ)`` first, then
    ``login`` on the same thread)."""

    def __init__(self, shared: SharedLogin):
        self.shared = shared

    def get_external_login(self, environ):
        local = self.shared._local
        checked, local.checked = getattr(local, "checked", None), None
        marked = environ.get(self.shared.checked_key)
        local.reuse = checked if checked is not None and marked == checked[:2] else None
        return self.shared.backend.get_external_login(environ)

    def login(self, login: str, password: str, context: AuthContext):
        local = self.shared._local
        reuse, local.reuse = getattr(local, "reuse", None), None
        if reuse is not None and reuse[:2] == (login, password):
            return reuse[2]
        return self.shared.backend.login(login, password, context)

    def __getattr__(self, name):        # anything else Radicale may ask: the backend's
        return getattr(self.shared.backend, name)
