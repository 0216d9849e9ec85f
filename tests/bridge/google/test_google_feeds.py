"""calendar_list, events and channels: the calls the bridge makes, against the emulator."""

from __future__ import annotations

import pytest

from bridge.google import GoogleError, NotFound, SyncTokenInvalid, calendar_list, channels, events


def allday(summary: str, day: int = 1, **extra) -> dict:
    return {"summary": summary, "start": {"date": f"2026-03-{day:02d}"},
            "end": {"date": f"2026-03-{day + 1:02d}"}, **extra}


# --- calendar list -------------------------------------------------------------------------------

def test_primary_is_the_accounts_own_calendar(client, alice):
    assert calendar_list.primary(client)["id"] == alice["account"]


def test_list_calendars_pages_and_includes_hidden_ones(control, client, alice):
    for n in range(4):
        control.post("/calendars", {"owner": alice["account"], "summary": f"Team {n}"})
    entries = calendar_list.list_calendars(client)
    hidden = next(e for e in entries if e["summary"] == "Team 2")
    client.call(lambda s: s.calendarList().patch(calendarId=hidden["id"],
                                                 body={"hidden": True}))
    control.post("/stats/reset")
    paged = calendar_list.list_calendars(client, page_size=2)
    assert control.calls()["calendarList.list"] == 3        # 5 entries, 2 per page
    assert sorted(e["id"] for e in paged) == sorted(e["id"] for e in entries)
    assert next(e for e in paged if e["id"] == hidden["id"]).get("hidden") is True


# --- events --------------------------------------------------------------------------------------

def test_full_then_incremental_list(control, client, alice):
    cal = alice["account"]
    for day in range(1, 6):
        events.insert(client, cal, allday(f"E{day}", day), send_updates="none")
    control.post("/stats/reset")
    listed, token = events.list_events(client, cal, page_size=2)
    assert sorted(e["summary"] for e in listed) == ["E1", "E2", "E3", "E4", "E5"]
    assert token and control.calls()["events.list"] == 3
    events.delete(client, cal, listed[0]["id"], send_updates="none")
    changed, next_token = events.list_events(client, cal, sync_token=token)
    assert [(e["id"], e["status"]) for e in changed] == [(listed[0]["id"], "cancelled")]
    assert next_token and next_token != token


def test_invalidated_sync_token_asks_for_a_full_list(control, client, alice):
    cal = alice["account"]
    _, token = events.list_events(client, cal)
    control.post(f"/calendars/{cal}/invalidate-sync-tokens")
    with pytest.raises(SyncTokenInvalid) as caught:
        events.list_events(client, cal, sync_token=token)
    assert caught.value.status == 410


def test_etags_guard_patch_and_delete(client, alice):
    cal = alice["account"]
    event = events.insert(client, cal, allday("Plan", id="planevent01"), send_updates="none")
    assert events.get(client, cal, "planevent01")["summary"] == "Plan"
    changed = events.patch(client, cal, "planevent01", {"summary": "Plan B"},
                           etag=event["etag"], send_updates="none")
    with pytest.raises(GoogleError) as stale:
        events.patch(client, cal, "planevent01", {"summary": "Plan C"}, etag=event["etag"],
                     send_updates="none")
    assert stale.value.status == 412
    with pytest.raises(GoogleError) as stale:
        events.delete(client, cal, "planevent01", etag=event["etag"], send_updates="none")
    assert stale.value.status == 412
    events.delete(client, cal, "planevent01", etag=changed["etag"], send_updates="all")
    assert events.get(client, cal, "planevent01")["status"] == "cancelled"


def test_get_of_an_unknown_event_is_not_found(client, alice):
    with pytest.raises(NotFound):
        events.get(client, alice["account"], "neverexisted")


# --- lost replies to writes ----------------------------------------------------------------------
# The emulator applies the write, then closes the connection. The client's next attempt
# meets Google's answer to that repeat, and the error says an attempt went unanswered
# (maybe_applied): the write path resolves each of these by reading the event back.

def lose_reply(control, method: str) -> None:
    control.post("/faults", {"kind": "lose_reply", "method": method})


def test_lost_insert_reply_surfaces_as_duplicate_id(control, client, alice, waits):
    cal = alice["account"]
    lose_reply(control, "events.insert")
    with pytest.raises(GoogleError) as caught:
        events.insert(client, cal, allday("Lost", id="lostinsert01"), send_updates="none")
    assert (caught.value.status, caught.value.reason) == (409, "duplicate")
    assert caught.value.maybe_applied
    assert events.get(client, cal, "lostinsert01")["summary"] == "Lost"    # it did land
    assert control.calls()["events.insert"] == 2 and len(waits) == 1      # our own retry


def test_a_refusal_after_a_lost_reply_says_the_write_may_have_landed(control, client, alice):
    """httplib2 would resend the write unseen and hand over only the second answer: a 429
    that hides the landed first attempt. Writes go out once per attempt instead."""
    cal = alice["account"]
    lose_reply(control, "events.insert")
    control.post("/faults", {"kind": "error", "method": "events.insert", "status": 403,
                             "reason": "quotaExceeded"})
    with pytest.raises(GoogleError) as caught:
        events.insert(client, cal, allday("Landed", id="lostinsert02"), send_updates="none")
    assert caught.value.status == 403 and caught.value.maybe_applied
    assert events.get(client, cal, "lostinsert02")["summary"] == "Landed"


def test_a_refusal_after_token_trouble_alone_did_not_land(control, client, alice):
    """Failed token refreshes send nothing: a later refusal is a plain refusal."""
    cal = alice["account"]
    control.post("/tokens/expire")
    control.post("/faults", {"kind": "error", "method": "oauth.token", "status": 503,
                             "count": 2})
    control.post("/faults", {"kind": "error", "method": "events.insert", "status": 403,
                             "reason": "quotaExceeded"})
    with pytest.raises(GoogleError) as caught:
        events.insert(client, cal, allday("No", id="refused01"), send_updates="none")
    assert caught.value.status == 403 and not caught.value.maybe_applied
    assert control.calls()["oauth.token"] >= 3


def test_lost_patch_reply_surfaces_as_precondition_failed(control, client, alice):
    cal = alice["account"]
    event = events.insert(client, cal, allday("Before", id="lostpatch01"), send_updates="none")
    lose_reply(control, "events.patch")
    with pytest.raises(GoogleError) as caught:
        events.patch(client, cal, "lostpatch01", {"summary": "After"}, etag=event["etag"],
                     send_updates="none")
    assert caught.value.status == 412
    assert events.get(client, cal, "lostpatch01")["summary"] == "After"


def test_lost_delete_reply_surfaces_as_gone(control, client, alice):
    cal = alice["account"]
    events.insert(client, cal, allday("Doomed", id="lostdelete01"), send_updates="none")
    lose_reply(control, "events.delete")
    with pytest.raises(GoogleError) as caught:
        events.delete(client, cal, "lostdelete01", send_updates="none")
    assert (caught.value.status, caught.value.reason) == (410, "deleted")


# --- push channels -------------------------------------------------------------------------------

def test_watch_and_stop_a_channel(client, alice):
    body = {"id": "feeds-test-channel", "type": "web_hook",
            "address": "http://127.0.0.1:9/hook"}
    answer = events.watch(client, alice["account"], body)
    assert answer["id"] == "feeds-test-channel" and answer["resourceId"]
    listed = calendar_list.watch(client, dict(body, id="feeds-test-list"))
    for channel in (answer, listed):
        channels.stop(client, channel["id"], channel["resourceId"])
    with pytest.raises(NotFound):
        channels.stop(client, answer["id"], answer["resourceId"])
