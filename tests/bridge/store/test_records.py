"""The store hands out bridge.model records (never SQLAlchemy rows), named as callers use them."""

from __future__ import annotations

import json

from sqlalchemy.engine import Row

from bridge.model import Account, Calendar, Channel, GoogleEvent, Item, Kind, SyncState
from bridge.store import channels as stored_channels

from tests.bridge.store.builders import add_calendar, put


def test_accounts_carry_their_user_and_credentials(store):
    add_calendar(store, user="alice", email="alice@example.com")
    with store.write() as tx:
        tx.add_account("bob", "robot@project.iam.gserviceaccount.com", "service_account",
                       "/creds/robot.json", "bob@example.com")
    accounts = store.accounts()
    assert all(type(a) is Account for a in accounts)
    alice, robot = accounts
    assert (alice.user, alice.email, alice.credential_type, alice.credentials_path,
            alice.subject) == ("alice", "alice@example.com", "authorized_user",
                               "/creds/alice@example.com.json", None)
    assert (robot.user, robot.credential_type, robot.subject) == (
        "bob", "service_account", "bob@example.com")
    assert store.account(robot.id) == robot
    assert store.accounts("bob") == [robot]
    assert store.account(999) is None


def test_calendars_are_records_with_a_kind(store):
    calendar_id = add_calendar(store, summary="Team", access_role="owner",
                               default_reminders=json.dumps([{"method": "popup", "minutes": 10}]))
    calendar = store.calendar(calendar_id)
    assert type(calendar) is Calendar and calendar.kind is Kind.EVENTS
    assert (calendar.name, calendar.slug, calendar.read_only, calendar.deleted) == (
        "Team", "team", False, False)
    assert calendar.reminders == ({"method": "popup", "minutes": 10},)
    assert store.calendars("alice") == [calendar]
    assert store.calendars_of_account(calendar.account_id) == [calendar]
    assert store.calendar_by_slug("alice", "team") == calendar
    assert store.calendar_by_slug("bob", "team") is None
    with store.write() as tx:
        assert tx.calendar_row(calendar.account_id, calendar.google_id) == calendar


def test_a_task_list_collection_keeps_its_kind(store):
    calendar_id = add_calendar(store, "tasks:MTIzNDU", kind=Kind.TASKS.value)
    assert store.calendar(calendar_id).kind is Kind.TASKS


def test_items_and_sync_state_are_records(store):
    calendar_id = add_calendar(store)
    revision = put(store, calendar_id, "standup")
    [item] = store.all_items(calendar_id)
    assert type(item) is Item
    assert (item.href, item.uid, item.revision, item.deleted, item.recurring) == (
        "standup.ics", "standup", revision, False, False)
    assert item.text.startswith("BEGIN:VCALENDAR") and item.etag.startswith('"')
    assert store.item(calendar_id, "standup.ics") == item
    assert store.items(calendar_id, ["standup.ics", "missing.ics"]) == [item]
    state = store.sync_state(calendar_id)
    calendar = store.calendar(calendar_id)
    assert state == SyncState(calendar.epoch, revision, 0)
    assert store.sync_state(999) is None


def test_google_events_and_channels_are_records(store):
    calendar_id = add_calendar(store)
    with store.write() as tx:
        tx.put_google_event(calendar_id, {"id": "e1", "etag": '"1"', "summary": "x"}, "uid-1")
    [event] = store.google_events(calendar_id)
    assert type(event) is GoogleEvent
    assert (event.event_id, event.uid, event.etag) == ("e1", "uid-1", '"1"')
    assert json.loads(event.data)["summary"] == "x"

    account_id = store.calendar(calendar_id).account_id
    stored_channels.add(store, channel_id="c-list", token="t1", kind=Kind.CALENDAR_LIST,
                        account_id=account_id, calendar_id=None, address="https://x/push",
                        created=1.0)
    stored_channels.add(store, channel_id="c-events", token="t2", kind="events",
                        account_id=account_id, calendar_id=calendar_id,
                        address="https://x/push", created=2.0)
    listed, watched = stored_channels.all_channels(store)
    assert type(listed) is Channel and listed.kind is Kind.CALENDAR_LIST
    assert (listed.key, watched.key, watched.kind) == (account_id, calendar_id, Kind.EVENTS)
    assert stored_channels.get(store, "c-events") == watched
    assert stored_channels.of_account(store, account_id) == [listed, watched]
    assert stored_channels.token_matches(watched, "t2")
    assert not stored_channels.token_matches(watched, "t1")


def test_no_read_answers_a_row(store):
    calendar_id = add_calendar(store)
    put(store, calendar_id, "a")
    answers = [store.accounts(), store.calendars("alice"), store.all_items(calendar_id),
               store.single_items_in_range(calendar_id, 0, 2**40), store.live_hrefs(calendar_id),
               store.changed_since(calendar_id, 0), store.google_events(calendar_id)]
    assert not any(isinstance(x, Row) for answer in answers for x in answer)
