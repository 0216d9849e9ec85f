"""OpenID Connect ID tokens for grants that include ``openid``: an RS256 JWT with Google's
claims (``iss``, ``aud``/``azp`` = client id, a stable numeric ``sub`` per account, ``email``
when the email scope was granted). Signed with a key of this emulator, so they decode but do
not verify against Google's certificates."""

from __future__ import annotations

import functools
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt, jwt

from .auth import SCOPE_PREFIX

ISSUER = "https://accounts.google.com"
LIFETIME = 3600


@functools.cache
def _signer() -> crypt.RSASigner:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return crypt.RSASigner.from_string(pem, key_id="gcaldav-emulator")


def subject(email: str) -> str:
    """A stable 21-digit account id, like Google's ``sub``."""
    return str(int(hashlib.sha256(email.encode()).hexdigest(), 16) % 10**21).zfill(21)


def mint(client_id: str, email: str, scopes: frozenset[str], now: float) -> str:
    claims = {"iss": ISSUER, "azp": client_id, "aud": client_id, "sub": subject(email),
              "iat": int(now), "exp": int(now) + LIFETIME}
    if SCOPE_PREFIX + "userinfo.email" in scopes:
        claims.update(email=email, email_verified=True)
    return jwt.encode(_signer(), claims).decode()
