"""CalDAV users: the htpasswd file Radicale's ``[auth] type = htpasswd`` reads, with bcrypt
hashes (the ``bcrypt`` library; ``htpasswd -B`` writes the same format).

The file is replaced atomically (readers see the old or the new one), keeps its mode and
owner, and is created 0600.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import bcrypt

# Radicale puts the user name in URL paths and the htpasswd format splits at ':'.
_BAD_NAME = re.compile(r"[:/\\\s\x00-\x1f\x7f]")
BCRYPT_MAX = 72             # bcrypt ignores bytes beyond this; refuse rather than truncate


class UsersError(Exception):
    pass


def check_name(user: str) -> str:
    if not user or _BAD_NAME.search(user) or user in (".", ".."):
        raise UsersError(f"{user!r} cannot be a CalDAV user name: use no ':', '/', '\\', "
                         "spaces or control characters.")
    return user


def check_password(password: str) -> bytes:
    raw = password.encode("utf-8")
    if not raw:
        raise UsersError("The password is empty.")
    if len(raw) > BCRYPT_MAX:
        raise UsersError(f"The password is longer than bcrypt's {BCRYPT_MAX} bytes.")
    return raw


def read(path: str | os.PathLike) -> dict[str, str]:
    """user -> hash, in file order (comments and blank lines are not kept)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    entries = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#") and ":" in line:
            user, _, hashed = line.partition(":")
            entries[user] = hashed
    return entries


def add(path: str | os.PathLike, user: str, password: str) -> None:
    entries = read(path)
    if check_name(user) in entries:
        raise UsersError(f"{user} already exists; change the password with `gcaldav user "
                         "passwd`.")
    entries[user] = _hash(password)
    _write(path, entries)


def passwd(path: str | os.PathLike, user: str, password: str) -> None:
    entries = read(path)
    if user not in entries:
        raise UsersError(f"There is no user {user} in {path}; add one with `gcaldav user add`.")
    entries[user] = _hash(password)
    _write(path, entries)


def remove(path: str | os.PathLike, user: str) -> None:
    entries = read(path)
    if entries.pop(user, None) is None:
        raise UsersError(f"There is no user {user} in {path}.")
    _write(path, entries)


def _hash(password: str) -> str:
    return bcrypt.hashpw(check_password(password), bcrypt.gensalt()).decode("ascii")


def _write(path: str | os.PathLike, entries: dict[str, str]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if path.exists():       # keep who may read it (the server's own user, say)
                before = path.stat()
                os.fchmod(handle.fileno(), before.st_mode & 0o777)
                if before.st_uid != os.getuid() or before.st_gid != os.getgid():
                    os.fchown(handle.fileno(), before.st_uid, before.st_gid)
            handle.write("".join(f"{user}:{hashed}\n" for user, hashed in entries.items()))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
