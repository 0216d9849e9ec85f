"""Domain errors: what went wrong, in the engine's terms. The adapters map them to protocol
answers (radicale_plugin/outcome.py owns the HTTP status and CalDAV precondition table).

Every error carries a message a person understands; it never contains event text or secrets.
"""

from __future__ import annotations


class BridgeError(Exception):
    """A request the engine refused or could not carry out; nothing changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Invalid(BridgeError):
    """The client sent something that cannot be stored (unparsable, inconsistent)."""


class Unsupported(BridgeError):
    """A valid request the collection cannot hold: a component of another kind
    (``component`` names it), a calendar operation Google offers no way to do."""

    def __init__(self, message: str, *, component: str | None = None):
        super().__init__(message)
        self.component = component


class ReadOnly(BridgeError):
    """The Google side allows no change here (a shared read-only calendar, a special event
    type)."""


class Conflict(BridgeError):
    """The change collides with another resource (``uid``: the same UID lives elsewhere)."""

    def __init__(self, message: str, *, uid: str | None = None):
        super().__init__(message)
        self.uid = uid


class PreconditionFailed(BridgeError):
    """Google's copy changed since the client's (``reason`` says how); sync and retry."""

    def __init__(self, message: str, *, reason: str = "changed"):
        super().__init__(message)
        self.reason = reason


class NotFound(BridgeError):
    """No such collection or resource."""


class InvalidSyncToken(BridgeError):
    """A client sync token this collection cannot answer (unknown, too old, from the
    future): the client must sync in full."""


class RateLimited(BridgeError):
    """Google is limiting this account; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class NeedsSignIn(BridgeError):
    """The account's Google credentials no longer work; a person must sign in again."""


class Upstream(BridgeError):
    """Google failed (5xx after retries, an answer that makes no sense); ``retry_after``
    when trying again later may help."""

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after
