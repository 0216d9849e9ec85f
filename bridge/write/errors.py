"""What a Google failure during a client's write means for that client, as a domain error
(the adapters turn it into a status; see radicale_plugin/outcome.py)."""

from __future__ import annotations

import math

from .. import errors
from ..google import budget
from ..google import errors as google
from .resolve import OutcomeUnknown


def from_google(exc: google.GoogleError) -> errors.BridgeError:
    if isinstance(exc, OutcomeUnknown):
        return errors.Upstream("Google did not confirm the change, and could not be asked "
                               "whether it holds it; synchronise to see whether it does.",
                               retry_after=30)
    if exc.status == 412:
        return errors.PreconditionFailed("The event was changed on Google since you last "
                                         "synced; synchronise and try again.")
    if isinstance(exc, google.RateLimited):
        message = "This account used its budget of Google calls" \
            if exc.reason == budget.REASON else "Google is rate-limiting this account"
        return errors.RateLimited(f"{message}; try again later.",
                                  retry_after=max(1, math.ceil(exc.retry_after or 30)))
    if isinstance(exc, google.QuotaExceeded):
        return errors.RateLimited("Google's Calendar usage limits were exceeded; try again "
                                  "later.", retry_after=int(exc.retry_after or 600))
    if isinstance(exc, google.CredentialsRefused):
        return errors.NeedsSignIn("Google no longer accepts this account's sign-in, so "
                                  "changes cannot be saved: sign in again (`gcaldav login "
                                  "USER` on the server, or the web pages' Connect).")
    if isinstance(exc, google.Unavailable):
        if exc.status >= 500:
            return errors.Upstream(f"Google failed to process the change ({exc}).")
        return errors.Upstream("Google could not be reached; try again later.", retry_after=30)
    if isinstance(exc, google.Forbidden):
        return errors.ReadOnly(f"Google refused the change: {exc}")
    if isinstance(exc, google.NotFound) or exc.status == 410:
        return errors.PreconditionFailed("The event no longer exists on Google; synchronise "
                                         "first.", reason="gone")
    return errors.Invalid(f"Google rejected the event: {exc}")

