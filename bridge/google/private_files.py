"""Files only their owner may read: JSON written atomically, 0600 from birth whatever the
umask, in folders kept at 0700."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(directory: str | os.PathLike) -> Path:
    """Create ``directory`` (and parents) if needed and make it 0700, also when it existed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(directory, DIR_MODE)
    return directory


def write_private(path: str | os.PathLike, data: object) -> None:
    """Replace ``path`` with ``data`` as JSON: readers see the old file or the new one, never
    a part; the file is never readable by others, not even for a moment."""
    path = Path(path)
    directory = private_dir(path.parent)
    temp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)   # the umask may have taken bits we need
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_dir(directory)


def _sync_dir(directory: Path) -> None:
    # Makes the rename itself survive a crash.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
