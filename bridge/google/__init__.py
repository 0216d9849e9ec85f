"""Access to the Google Calendar API (real client library, our retry policy)."""

from .client import GoogleClient
from .errors import (Forbidden, GoogleError, NotFound, QuotaExceeded, RateLimited,
                     SyncTokenInvalid, Unavailable)

__all__ = ["GoogleClient", "GoogleError", "SyncTokenInvalid", "RateLimited", "QuotaExceeded",
           "Unavailable", "NotFound", "Forbidden"]
