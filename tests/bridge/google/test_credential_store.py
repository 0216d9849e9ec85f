"""FileCredentialStore: one private file per account, replaced atomically, with a version
that tells every process when an account signed in again."""

from __future__ import annotations

import json
import os
import stat
import threading
from contextlib import contextmanager

import pytest

from bridge.google.credential_store import FileCredentialStore
from bridge.google.credentials import CredentialsError
from bridge.google.private_files import write_private


def info(n: int) -> dict:
    return {"type": "authorized_user", "client_id": "client.apps.googleusercontent.com",
            "client_secret": "GOCSPX-secret", "refresh_token": f"1//0g-refresh-{n}"}


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@contextmanager
def umask(value: int):
    previous = os.umask(value)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077, 0o277])
def test_modes_are_private_whatever_the_umask(tmp_path, mask):
    with umask(mask):
        store = FileCredentialStore(tmp_path / "deep" / "credentials")
        store.save(7, info(1))
        store.save(7, info(2))      # a replacement is born private too
    assert mode(store.directory) == 0o700
    assert mode(store.path(7)) == 0o600
    assert store.load(7)["refresh_token"] == "1//0g-refresh-2"


def test_an_existing_directory_is_made_private(tmp_path):
    directory = tmp_path / "credentials"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    FileCredentialStore(directory)
    assert mode(directory) == 0o700


def test_accounts_never_share_a_file(tmp_path):
    store = FileCredentialStore(tmp_path)
    for account_id in (1, 11, 111):
        store.save(account_id, info(account_id))
    assert len({store.path(a) for a in (1, 11, 111)}) == 3
    assert [store.load(a)["refresh_token"] for a in (1, 11, 111)] == [
        "1//0g-refresh-1", "1//0g-refresh-11", "1//0g-refresh-111"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "account-1.json", "account-11.json", "account-111.json"]


@pytest.mark.parametrize("bad", [-1, True, "1", "../1", 1.0])
def test_account_ids_are_non_negative_integers(tmp_path, bad):
    with pytest.raises(ValueError):
        FileCredentialStore(tmp_path).save(bad, info(1))


def test_load_and_delete_of_unknown_accounts(tmp_path):
    store = FileCredentialStore(tmp_path)
    assert store.load(3) is None and store.version(3) is None
    store.delete(3)     # nothing to do, no error


def test_save_normalises_and_refuses_garbage(tmp_path):
    store = FileCredentialStore(tmp_path)
    store.save(1, {**info(1), "type": None, "token": "ya29.short-lived",
                   "expiry": "2026-01-01T00:00:00Z"})     # google-auth's to_json shape
    assert store.load(1) == info(1)
    with pytest.raises(CredentialsError):
        store.save(2, {"refresh_token": None, "client_id": "x", "client_secret": "y"})
    assert not store.path(2).exists()


def test_version_changes_whenever_the_credentials_change(tmp_path):
    store = FileCredentialStore(tmp_path)
    store.save(1, info(1))
    first = store.version(1)
    assert first and FileCredentialStore(tmp_path).version(1) == first    # any process
    store.save(1, info(2))
    second = store.version(1)
    assert second not in (None, first)
    store.save(2, info(3))
    assert store.version(1) == second       # other accounts do not disturb it
    store.delete(1)
    assert store.version(1) is None and store.load(1) is None


def test_replacement_is_atomic_for_concurrent_readers(tmp_path):
    store = FileCredentialStore(tmp_path)
    store.save(1, info(0))
    # Padding makes each write big enough that a non-atomic rewrite would be seen half-done.
    versions = [dict(info(n), account="x" * 200_000) for n in (1, 2)]
    done, seen = threading.Event(), set()

    def write():
        for n in range(60):
            store.save(1, versions[n % 2])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    reads = 0
    while not done.is_set() or reads < 10:
        seen.add(store.load(1)["refresh_token"])        # never a partial or empty file
        reads += 1
    writer.join()
    assert seen <= {"1//0g-refresh-0", "1//0g-refresh-1", "1//0g-refresh-2"}
    assert [p.name for p in tmp_path.iterdir()] == ["account-1.json"]   # no temp files left


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "account-1.json"
    write_private(path, info(1))
    with pytest.raises(TypeError):
        write_private(path, {"unserialisable": object()})
    assert json.loads(path.read_text()) == info(1)
    assert [p.name for p in tmp_path.iterdir()] == ["account-1.json"]


def test_damaged_files_are_reported_without_secrets(tmp_path):
    store = FileCredentialStore(tmp_path)
    store.path(4).write_text('{"refresh_token": "1//0g-leak", "client_id": ')
    with pytest.raises(CredentialsError) as caught:
        store.load(4)
    assert "account 4" in str(caught.value) and "1//0g-leak" not in str(caught.value)
