"""Google API failures, classified for the callers that must react to them."""

from __future__ import annotations

import json

from googleapiclient.errors import HttpError

RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")


class GoogleError(Exception):
    """A Google call failed; ``status`` is the HTTP status (0 for no answer).
    ``maybe_applied``: an earlier attempt of the call went unanswered, so Google may hold
    the change although this last answer is a refusal."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "",
                 retry_after: float | None = None):
        super().__init__(message)
        self.status, self.reason, self.retry_after = status, reason, retry_after
        self.maybe_applied = False


class SyncTokenInvalid(GoogleError):
    """410: the stored sync token is no longer valid; a full re-list is needed."""


class RateLimited(GoogleError):
    """429 / 403 rate limits that retries did not get past; back off this account."""


class QuotaExceeded(GoogleError):
    """403 quotaExceeded: Calendar usage limits; retrying soon will not help."""


class Unavailable(GoogleError):
    """5xx after retries, or no answer at all (connection failed, timed out)."""


class NotFound(GoogleError):
    pass


class Forbidden(GoogleError):
    pass


class CredentialsRefused(GoogleError):
    """The token endpoint refused the stored credentials for good (revoked or expired refresh
    token, deleted OAuth client, delegation withdrawn): only a new sign-in helps. ``reason``
    is Google's OAuth error code, e.g. ``invalid_grant``."""

    def __init__(self, message: str, *, reason: str = ""):
        super().__init__(message, status=401, reason=reason)


def _error_body(error: HttpError) -> dict:
    try:
        body = json.loads(error.content.decode("utf-8", "replace"))
        return body["error"] if isinstance(body.get("error"), dict) else {}
    except (ValueError, TypeError, AttributeError):
        return {}


def reason_of(error: HttpError) -> str:
    try:
        return _error_body(error)["errors"][0]["reason"]
    except (KeyError, IndexError, TypeError):
        return ""


def retry_after_of(error: HttpError) -> float | None:
    value = error.resp.get("retry-after") if error.resp is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def is_retryable(error: HttpError) -> bool:
    status = error.resp.status
    return status == 429 or status >= 500 or (status == 403 and
                                               reason_of(error) in RATE_LIMIT_REASONS)


def classify(error: HttpError) -> GoogleError:
    status, reason = error.resp.status, reason_of(error)
    detail = _error_body(error).get("message")
    message = f"Google answered {status} {reason or ''}".strip() + (f": {detail}" if detail else "")
    kwargs = dict(status=status, reason=reason, retry_after=retry_after_of(error))
    if status == 410 and reason == "fullSyncRequired":
        return SyncTokenInvalid(message, **kwargs)
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return RateLimited(message, **kwargs)
    if status == 403 and reason == "quotaExceeded":
        return QuotaExceeded(message, **kwargs)
    if status >= 500:
        return Unavailable(message, **kwargs)
    if status == 404:
        return NotFound(message, **kwargs)
    if status == 403:
        return Forbidden(message, **kwargs)
    return GoogleError(message, **kwargs)
