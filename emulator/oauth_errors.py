"""OAuth 2.0 errors as Google's accounts server answers them: ``{"error", "error_description"}``
from the token and revocation endpoints, or an HTML error page from the authorization
endpoint (which never redirects those to the client)."""

from __future__ import annotations


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str):
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


def invalid_request(description: str) -> OAuthError:
    return OAuthError(400, "invalid_request", description)


def invalid_grant(description: str = "Bad Request") -> OAuthError:
    return OAuthError(400, "invalid_grant", description)


def dead_token() -> OAuthError:
    return invalid_grant("Token has been expired or revoked.")
