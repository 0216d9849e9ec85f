"""Access-token refresh on our terms.

google-auth retries a transient token-endpoint answer by itself, sleeping in between, and
reports every failure as one ``RefreshError``. Here the token request goes through a transport
that gives up at once on a transient answer or a lost connection, so the client's own retry
policy (and its ``sleep``) decides; and each failure becomes one of our errors:
``CredentialsRefused`` when Google refuses the credentials for good, ``Unavailable`` when
trying again later may help.
"""

from __future__ import annotations

import http.client
import json
import socket

import google.auth.transport
import google.oauth2.service_account
import google_auth_httplib2
import httplib2
from google.auth import exceptions as auth_exceptions

from . import errors

# HTTPException: an answer cut off mid-body (IncompleteRead) or otherwise broken.
CONNECTION_ERRORS = (OSError, socket.timeout, httplib2.HttpLib2Error, ConnectionError,
                     http.client.HTTPException)
# What google-auth itself would retry (statuses and OAuth error codes).
TRANSIENT_STATUSES = frozenset({408, 429})
TRANSIENT_CODES = frozenset({"internal_failure", "server_error", "temporarily_unavailable"})

USER_REFUSED = ("Google no longer accepts this account's sign-in (token expired or revoked); "
                "sign in again with `gcaldav login`")
SERVICE_REFUSED = ("Google no longer accepts this service account's key or its domain-wide "
                   "delegation; check the key file and the delegation in the Admin console")


class TransientAnswer(auth_exceptions.TransportError):
    """The token endpoint answered with a status worth trying again later."""

    def __init__(self, status: int):
        super().__init__(f"token endpoint answered {status}")
        self.status = status


class TokenTransport(google.auth.transport.Request):
    """google-auth's transport for one refresh; ``status`` is the last answer's status."""

    def __init__(self, timeout: float):
        self._inner = google_auth_httplib2.Request(httplib2.Http(timeout=timeout))
        self.status: int | None = None

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        try:
            response = self._inner(url, method=method, body=body, headers=headers, **kwargs)
        except auth_exceptions.TransportError:
            raise
        except CONNECTION_ERRORS as exc:
            raise auth_exceptions.TransportError(repr(exc)) from None
        self.status = response.status
        if _transient(response.status, response.data):
            raise TransientAnswer(response.status)
        return response


def refresh(credentials, transport: TokenTransport) -> None:
    """Refresh ``credentials`` once through ``transport``; raises ``errors.Unavailable`` or
    ``errors.CredentialsRefused``."""
    try:
        credentials.refresh(transport)
    except TransientAnswer as exc:
        raise errors.Unavailable(f"Google's token endpoint answered {exc.status}; trying again "
                                 f"later may help", status=exc.status) from None
    except auth_exceptions.RefreshError as exc:
        raise _refused(credentials, exc, transport.status) from None
    except auth_exceptions.TransportError as exc:
        raise errors.Unavailable(f"No answer from Google's token endpoint: {exc}") from None


def _refused(credentials, exc: auth_exceptions.RefreshError,
             status: int | None) -> errors.GoogleError:
    code, description = _oauth_error(exc)
    if status == 200:     # an answer without a usable token: Google misbehaved, not the key
        return errors.Unavailable("Google's token endpoint answered without an access token")
    message = (SERVICE_REFUSED if isinstance(credentials, google.oauth2.service_account.Credentials)
               else USER_REFUSED)
    said = ": ".join(part for part in (code, description) if part)
    return errors.CredentialsRefused(message + (f" (Google said: {said})" if said else ""),
                                     reason=code or "refresh_failed")


def _oauth_error(exc: auth_exceptions.RefreshError) -> tuple[str, str]:
    """Google's ``error`` and ``error_description`` from the answer google-auth attached."""
    for arg in exc.args:
        if isinstance(arg, dict) and isinstance(arg.get("error"), str):
            description = arg.get("error_description")
            return arg["error"][:60], description[:200] if isinstance(description, str) else ""
    return "", ""


def _transient(status: int, data: bytes) -> bool:
    if status in TRANSIENT_STATUSES or status >= 500:
        return True
    try:
        body = json.loads(data)
    except (ValueError, TypeError):
        return False
    return isinstance(body, dict) and (body.get("error") in TRANSIENT_CODES
                                       or body.get("error_description") in TRANSIENT_CODES)
