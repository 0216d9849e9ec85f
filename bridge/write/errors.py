"""Why a client's write failed, as the HTTP answer the client should get."""

from __future__ import annotations

from ..google import errors as google


class WriteError(Exception):
    """A write refused or failed; nothing changed on Google or in the store."""

    def __init__(self, status: int, message: str, *, retry_after: int | None = None,
                 precondition: str | None = None):
        super().__init__(message)
        self.status, self.message = status, message
        self.retry_after = retry_after
        self.precondition = precondition      # a CalDAV/WebDAV precondition element name


def from_google(exc: google.GoogleError) -> WriteError:
    """The client-facing answer for a Google failure."""
    if exc.status == 412:
        return WriteError(412, "The event was changed on Google since you last synced; "
                               "synchronise and try again.")
    if isinstance(exc, google.RateLimited):
        return WriteError(503, "Google is rate-limiting this account; try again later.",
                          retry_after=int(exc.retry_after or 30))
    if isinstance(exc, google.QuotaExceeded):
        return WriteError(503, "Google's Calendar usage limits were exceeded; try again later.",
                          retry_after=int(exc.retry_after or 600))
    if isinstance(exc, google.Unavailable):
        if exc.status >= 500:
            return WriteError(502, f"Google failed to process the change ({exc}).")
        return WriteError(503, "Google could not be reached; try again later.", retry_after=30)
    if isinstance(exc, google.Forbidden):
        return WriteError(403, f"Google refused the change: {exc}")
    if isinstance(exc, google.NotFound) or exc.status == 410:
        return WriteError(412, "The event no longer exists on Google; synchronise first.")
    if exc.status == 401:
        return WriteError(502, "Google refused the bridge's credentials; re-link the account.")
    return WriteError(400, f"Google rejected the event: {exc}")
