"""Which calendars clients see when a user has several Google accounts, and credentials
files older versions shared between users (bridge/accounts.py)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bridge.accounts import served
from bridge.google import GoogleError
from bridge.model import Calendar
from bridge.service import Bridge
from bridge.settings import Settings


def calendar(id: int, account_id: int, google_id: str, role: str = "owner",
             **fields) -> Calendar:
    return Calendar(id=id, account_id=account_id, user_id=1, google_id=google_id,
                    slug=f"c{id}", summary=google_id, summary_override=None, description="",
                    time_zone="UTC", color=None, access_role=role, default_reminders="[]",
                    sync_token=None, epoch="e", revision=0, min_revision=0, last_sync=0.0,
                    last_modified=0.0, last_error=None, deleted=False, **fields)


def test_a_calendar_in_two_accounts_is_served_once_from_the_one_with_most_rights():
    mine = [calendar(1, 1, "a@x"), calendar(2, 1, "shared", "reader"),
            calendar(3, 2, "b@x"), calendar(4, 2, "shared", "writer")]
    assert [c.id for c in served(mine)] == [1, 3, 4]
    assert [c.id for c in served(mine, broken={2})] == [1, 2, 3]     # one that signs in


def test_hidden_and_unticked_calendars_are_left_out_unless_shown():
    rows = [calendar(1, 1, "a"), calendar(2, 1, "b", selected=False),
            calendar(3, 1, "c", hidden=True), calendar(4, 1, "d", selected=False, hidden=False)]
    assert [c.id for c in served(rows)] == [1, 4]
    assert [c.id for c in served(rows, include_hidden=True)] == [1, 2, 3, 4]
    assert replace(rows[0], hidden=True).served is False


def test_a_credentials_file_two_accounts_shared_is_used_by_neither(tmp_path, alice):
    """Old installs named files after the user: bob@corp and bob_corp both got bob_corp.json."""
    bridge = Bridge(Settings(data_dir=str(tmp_path / "data")))
    old = tmp_path / "bob_corp-self.json"
    old.write_text(json.dumps(alice))
    with bridge.store.write() as tx:
        ids = [tx.add_account(user, f"{user}@example.com", "authorized_user", str(old), None)
               for user in ("bob@corp", "bob_corp")]
    lonely = tmp_path / "carol-self.json"
    lonely.write_text(json.dumps(alice))
    with bridge.store.write() as tx:
        carol = tx.add_account("carol", "carol@example.com", "authorized_user", str(lonely),
                               None)
    for account_id in ids:
        with pytest.raises(GoogleError, match="no stored credentials"):
            bridge.client_for(account_id)
        assert bridge.store.account(account_id).needs_sign_in
    assert bridge.client_for(carol) is not None          # its own file: moved into the store
    assert not bridge.store.account(carol).needs_sign_in
