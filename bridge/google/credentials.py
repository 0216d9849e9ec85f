"""Google credentials as people actually have them, normalised, and google-auth objects built
from them.

Accepted shapes (everything else is refused with a message naming what was expected and what
was found, never a secret value):

- authorized-user JSON with ``"type": "authorized_user"`` (gcloud application-default
  credentials, ``gcaldav``'s own files);
- google-auth's ``Credentials.to_json()`` and google-oauthlib-tool's output: the same fields
  without ``type`` (plus ``token``, ``expiry``, ``scopes`` ... which are dropped or kept as
  noted in ``USER_FIELDS``);
- service-account keys (``"type": "service_account"``).

Normalised authorized-user info: ``type``, ``client_id``, ``client_secret``,
``refresh_token``, and when present ``token_uri``, ``scopes`` (a list), ``account``,
``quota_project_id``. Service-account info is the key as given.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import google.oauth2.credentials
import google.oauth2.service_account
from google.auth import crypt


CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar"
TASKS_SCOPE = "https://www.googleapis.com/auth/tasks"
SCOPES = [CALENDAR_SCOPE]
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
DEFAULT_UNIVERSE = "googleapis.com"

USER_REQUIRED = ("client_id", "client_secret", "refresh_token")
# Kept besides the required ones; the rest (token, expiry, rapt_token ...) is dropped: an
# access token is short-lived and a fresh one is fetched on first use.
USER_OPTIONAL = ("token_uri", "account", "quota_project_id")
SERVICE_REQUIRED = ("client_email", "private_key")
UNSUPPORTED_TYPES = {
    "external_account": "workload identity federation",
    "external_account_authorized_user": "workforce identity federation",
    "impersonated_service_account": "service-account impersonation",
    "gdch_service_account": "Google Distributed Cloud",
}
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
EXPECTED = ("an authorized-user or service-account JSON (authorized user: client_id, "
            "client_secret and refresh_token, as written by `gcaldav login`, `gcloud auth "
            "application-default login`, google-oauthlib-tool or google-auth's "
            "Credentials.to_json(); service account: a key with \"type\": "
            "\"service_account\")")


class CredentialsError(ValueError):
    pass


def read_info(path: str | os.PathLike) -> dict:
    """The normalised credentials in a JSON file; ``CredentialsError`` if unusable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"Cannot read credentials from {path}: "
                               f"{getattr(exc, 'strerror', None) or type(exc).__name__}") from None
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise CredentialsError(f"{path} is not JSON ({exc}); expected {EXPECTED}.") from None
    try:
        return parse_info(info)
    except CredentialsError as exc:
        raise CredentialsError(f"{path}: {exc}") from None


def parse_info(info: object) -> dict:
    """Normalise one of the accepted shapes (see the module docstring)."""
    if not isinstance(info, dict):
        raise CredentialsError(f"Expected {EXPECTED}; found a JSON {_json_kind(info)}.")
    kind = info.get("type")
    if kind == "service_account":
        return _service_account(info)
    if kind in UNSUPPORTED_TYPES:
        raise CredentialsError(f"These are {UNSUPPORTED_TYPES[kind]} credentials (\"type\": "
                               f"{kind!r}), which gcaldav does not support; expected {EXPECTED}.")
    if "installed" in info or "web" in info:
        raise CredentialsError("This is an OAuth client file (client_secret.json), not "
                               "signed-in credentials: sign in with it using `gcaldav login`.")
    if kind not in (None, "authorized_user"):
        raise CredentialsError(f"Unknown credential \"type\" {_short(kind)}; expected {EXPECTED}.")
    if kind is None and not any(key in info for key in USER_REQUIRED):
        raise CredentialsError(f"Expected {EXPECTED}; found {_fields(info)}.")
    return _authorized_user(info)


def _authorized_user(info: dict) -> dict:
    if not _text(info.get("refresh_token")) and _text(info.get("client_id")):
        raise CredentialsError(
            "These credentials hold no refresh token: the sign-in was done without offline "
            "access (access_type=offline, prompt=consent), so they stop working within an "
            "hour. Sign in again with `gcaldav login`.")
    missing = [key for key in USER_REQUIRED if not _text(info.get(key))]
    if missing:
        raise CredentialsError(f"Authorized-user credentials lack {', '.join(missing)}; "
                               f"found {_fields(info)}.")
    universe = info.get("universe_domain") or DEFAULT_UNIVERSE
    if universe != DEFAULT_UNIVERSE:
        raise CredentialsError(f"Credentials for the universe {_short(universe)} cannot reach "
                               f"Google Calendar ({DEFAULT_UNIVERSE}).")
    normal = {"type": "authorized_user", **{key: info[key] for key in USER_REQUIRED}}
    normal.update({key: info[key] for key in USER_OPTIONAL if _text(info.get(key))})
    scopes = _scopes(info.get("scopes"))
    if scopes:
        normal["scopes"] = scopes
    return normal


def _service_account(info: dict) -> dict:
    missing = [key for key in SERVICE_REQUIRED if not _text(info.get(key))]
    if missing:
        raise CredentialsError(f"Service-account key lacks {', '.join(missing)}; "
                               f"found {_fields(info)}.")
    try:
        crypt.RSASigner.from_string(info["private_key"], info.get("private_key_id"))
    except Exception:       # the library's message might quote the key: say it ourselves
        raise CredentialsError("The service-account key's private_key is not a PEM private "
                               "key; download a new JSON key for "
                               f"{_short(info['client_email'])}.") from None
    return dict(info)


def _scopes(value: object) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [scope for scope in value if isinstance(scope, str) and scope]
    return []


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _short(value: object) -> str:
    return repr(value)[:60]


def _json_kind(value: object) -> str:
    return {list: "list", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _fields(info: dict) -> str:
    """The field names of a JSON object, never its values (names that do not look like
    field names are only counted: a pasted secret could be a key)."""
    names = sorted(key for key in info if _FIELD_NAME.fullmatch(key))
    others = len(info) - len(names)
    if not info:
        return "an empty JSON object"
    listed = ", ".join(names) if names else ""
    extra = f"{others} other field(s)" if others else ""
    return "fields " + " and ".join(part for part in (listed, extra) if part)


# --- google-auth objects -------------------------------------------------------------------------

def build(info: dict, *, subject: str | None = None, token_uri: str | None = None,
          scopes: list[str] | None = None):
    """google-auth credentials for normalised ``info``. ``token_uri`` overrides the info's
    (google-auth's from_authorized_user_info would force Google's); ``scopes`` default to
    Calendar only; ``subject`` is the user a service account acts as."""
    scopes = list(scopes or SCOPES)
    if info["type"] == "service_account":
        creds = google.oauth2.service_account.Credentials.from_service_account_info(
            {"token_uri": GOOGLE_TOKEN_URI, **info}, scopes=scopes)
        if token_uri:
            creds = creds.with_token_uri(token_uri)
        return creds.with_subject(subject) if subject else creds
    return google.oauth2.credentials.Credentials(
        token=None, refresh_token=info["refresh_token"], client_id=info["client_id"],
        client_secret=info["client_secret"],
        token_uri=token_uri or info.get("token_uri") or GOOGLE_TOKEN_URI, scopes=scopes,
        quota_project_id=info.get("quota_project_id"))
