"""Google credentials: authorized-user or service-account JSON, kept in 0600 files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import google.oauth2.credentials
import google.oauth2.service_account

SCOPES = ["https://www.googleapis.com/auth/calendar"]
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


class CredentialsError(ValueError):
    pass


def read_info(path: str | os.PathLike) -> dict:
    try:
        info = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise CredentialsError(f"Cannot read credentials from {path}: {exc}") from None
    kind = info.get("type")
    if kind not in ("authorized_user", "service_account"):
        raise CredentialsError(f"{path}: expected an authorized-user or service-account JSON "
                               f"(\"type\" is {kind!r}).")
    return info


def save(info: dict, directory: str | os.PathLike, name: str) -> str:
    """Write credentials to ``directory/name`` readable by the owner only (0600 from birth)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(info, handle)
    os.chmod(path, 0o600)
    return str(path)


def load(path: str, *, subject: str | None = None, token_uri: str | None = None):
    """google-auth credentials for a stored JSON. ``token_uri`` overrides the file's (and
    from_authorized_user_info's habit of forcing Google's)."""
    info = read_info(path)
    if info["type"] == "service_account":
        creds = google.oauth2.service_account.Credentials.from_service_account_info(
            info, scopes=SCOPES)
        if token_uri:
            creds = creds.with_token_uri(token_uri)
        return creds.with_subject(subject) if subject else creds
    uri = token_uri or info.get("token_uri") or GOOGLE_TOKEN_URI
    return google.oauth2.credentials.Credentials(
        token=None, refresh_token=info["refresh_token"], client_id=info["client_id"],
        client_secret=info["client_secret"], token_uri=uri, scopes=SCOPES)
