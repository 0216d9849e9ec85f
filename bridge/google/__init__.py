"""Access to Google's APIs: the real client library under our retry policy, credentials and
their store, and one module per API resource (calendar_list, events, channels)."""

from .client import GoogleClient
from .errors import (CredentialsRefused, Forbidden, GoogleError, NotFound, QuotaExceeded,
                     RateLimited, SyncTokenInvalid, Unavailable)

__all__ = ["GoogleClient", "GoogleError", "SyncTokenInvalid", "RateLimited", "QuotaExceeded",
           "Unavailable", "NotFound", "Forbidden", "CredentialsRefused"]
