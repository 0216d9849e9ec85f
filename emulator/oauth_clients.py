"""OAuth clients registered in the emulator, as in the Cloud console's "Credentials" page:
Desktop (``installed``) and Web (``web``) clients, their downloadable client-secrets JSON,
client authentication at the token endpoint and the redirect-URI rules of the authorization
endpoint.
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .oauth_errors import OAuthError, invalid_request

TYPES = ("installed", "web")
PUBLISHING_STATUSES = ("production", "testing")
OOB_URIS = frozenset({"urn:ietf:wg:oauth:2.0:oob", "urn:ietf:wg:oauth:2.0:oob:auto", "oob"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    type: str
    redirect_uris: list[str]
    name: str = "gcaldav"
    publishing_status: str = "production"
    javascript_origins: list[str] = field(default_factory=list)
    deleted: bool = False

    def secrets_json(self, auth_uri: str, token_uri: str) -> dict:
        """The JSON the console offers for download, keyed by the client type."""
        info = {"client_id": self.client_id, "project_id": "gcaldav-emulator",
                "auth_uri": auth_uri, "token_uri": token_uri,
                "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
                "client_secret": self.client_secret, "redirect_uris": list(self.redirect_uris)}
        if self.javascript_origins:
            info["javascript_origins"] = list(self.javascript_origins)
        return {self.type: info}

    def describe(self) -> dict:
        return {"client_id": self.client_id, "type": self.type, "name": self.name,
                "publishing_status": self.publishing_status,
                "redirect_uris": list(self.redirect_uris), "deleted": self.deleted}

    def redirect_allowed(self, uri: str) -> bool:
        """Desktop clients may use any loopback port (nothing registered); Web clients only
        an exact registered URI."""
        if self.type == "web":
            return uri in self.redirect_uris
        return is_loopback(uri)


def is_loopback(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        parts.port                      # raises ValueError for a bad port
    except ValueError:
        return False
    return (parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
            and not parts.username and not parts.fragment)


def registrable_web_uri(uri: object) -> bool:
    """The console's rules for a Web client's redirect URI, simplified: absolute, https unless
    loopback, no fragment, wildcard, userinfo or path traversal."""
    if not isinstance(uri, str):
        return False
    try:
        parts = urlsplit(uri)
        parts.port
    except ValueError:
        return False
    secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback(uri))
    return bool(secure and parts.hostname and not parts.fragment and not parts.username
                and "*" not in uri and ".." not in parts.path)


def _new_client_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    number = "".join(secrets.choice(string.digits) for _ in range(12))
    tail = "".join(secrets.choice(alphabet) for _ in range(32))
    return f"{number}-{tail}.apps.googleusercontent.com"


class OAuthClients:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, OAuthClient] = {}

    def create(self, spec: dict) -> OAuthClient:
        """A new client from the control API's JSON; ValueError says what is wrong."""
        kind = spec.get("type", "installed")
        if kind not in TYPES:
            raise ValueError(f"type must be one of {TYPES}")
        uris = spec.get("redirect_uris")
        if kind == "installed":
            uris = uris if uris is not None else ["http://localhost"]
        elif not uris:
            raise ValueError("a web client needs at least one redirect URI")
        if not isinstance(uris, list) or (kind == "web" and not all(
                registrable_web_uri(uri) for uri in uris)):
            raise ValueError("redirect_uris must be a list of https (or loopback http) URIs "
                             "without fragment or wildcard")
        status = spec.get("publishing_status", "production")
        if status not in PUBLISHING_STATUSES:
            raise ValueError(f"publishing_status must be one of {PUBLISHING_STATUSES}")
        origins = spec.get("javascript_origins") or []
        if not isinstance(origins, list):
            raise ValueError("javascript_origins must be a list")
        client = OAuthClient(client_id=spec.get("client_id") or _new_client_id(),
                             client_secret="GOCSPX-" + secrets.token_urlsafe(21),
                             type=kind, redirect_uris=[str(u) for u in uris],
                             name=str(spec.get("name") or "gcaldav"),
                             publishing_status=status, javascript_origins=origins)
        with self._lock:
            if client.client_id in self._clients:
                raise ValueError(f"client {client.client_id} exists")
            self._clients[client.client_id] = client
        return client

    def get(self, client_id: str) -> OAuthClient | None:
        with self._lock:
            return self._clients.get(client_id)

    def find(self, client_id: str | None) -> OAuthClient:
        """The live client, or the 401 Google answers for an unknown or deleted one."""
        client = self.get(client_id or "")
        if client is None:
            raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
        if client.deleted:
            raise OAuthError(401, "deleted_client", "The OAuth client was deleted.")
        return client

    def authenticate(self, client_id: str | None, client_secret: str | None) -> OAuthClient:
        """Token-endpoint client authentication. Google wants the secret from Desktop and Web
        clients alike, PKCE or not."""
        if not client_id:
            raise invalid_request("Could not determine client ID from request.")
        client = self.find(client_id)
        if not client_secret:
            raise invalid_request("client_secret is missing.")
        if not secrets.compare_digest(client_secret.encode(), client.client_secret.encode()):
            raise OAuthError(401, "invalid_client", "Unauthorized")
        return client
