"""Calendar-level writes over real HTTP with the real google-api-python-client:
calendars.insert/update/patch/delete, calendarList.insert/update/patch/delete (with
colorRgbFormat) and events.move."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError


def error(request) -> tuple[int, str]:
    with pytest.raises(HttpError) as info:
        request.execute()
    return info.value.resp.status, info.value.error_details[0]["reason"]


def entries(svc) -> dict[str, dict]:
    return {e["id"]: e for e in svc.calendarList().list(showHidden=True).execute()["items"]}


EVENT = {"summary": "lunch", "start": {"dateTime": "2026-06-01T12:00:00Z"},
         "end": {"dateTime": "2026-06-01T13:00:00Z"}}


# --- calendars -----------------------------------------------------------------------------------

def test_insert_creates_an_owned_calendar_in_the_callers_list(svc):
    created = svc.calendars().insert(body={"summary": "Work", "timeZone": "Europe/Berlin",
                                           "description": "job"}).execute()
    assert created["id"].endswith("@group.calendar.google.com")
    assert (created["summary"], created["timeZone"], created["description"]) == (
        "Work", "Europe/Berlin", "job")
    entry = entries(svc)[created["id"]]
    assert entry["accessRole"] == "owner" and entry["summary"] == "Work"
    assert "primary" not in entry


@pytest.mark.parametrize("body, reason", [({}, "required"), ({"summary": "  "}, "required"),
                                          ({"summary": "x", "timeZone": "Mars/Base"},
                                           "invalid")])
def test_insert_refuses_a_missing_title_or_an_unknown_zone(svc, body, reason):
    assert error(svc.calendars().insert(body=body)) == (400, reason)


def test_patch_changes_given_fields_update_resets_the_others(svc):
    cal = svc.calendars().insert(body={"summary": "A", "description": "d",
                                       "timeZone": "Asia/Tokyo"}).execute()["id"]
    patched = svc.calendars().patch(calendarId=cal, body={"summary": "B"}).execute()
    assert (patched["summary"], patched["description"], patched["timeZone"]) == (
        "B", "d", "Asia/Tokyo")
    assert entries(svc)[cal]["summary"] == "B"
    updated = svc.calendars().update(calendarId=cal, body={"summary": "C"}).execute()
    assert (updated["summary"], updated["timeZone"]) == ("C", "UTC")
    assert "description" not in updated
    assert error(svc.calendars().update(calendarId=cal, body={"description": "x"})) == (
        400, "required")


def test_only_the_owner_may_change_or_delete_a_calendar(svc, control, alice, new_account):
    bob = new_account("bob")
    cal = control.post("/calendars", {"owner": bob["account"], "summary": "Bob"})["id"]
    control.post(f"/calendars/{cal}/acl", {"email": alice["account"], "role": "writer"})
    assert error(svc.calendars().patch(calendarId=cal, body={"summary": "x"}))[0] == 403
    assert error(svc.calendars().delete(calendarId=cal))[0] == 403


def test_delete_removes_a_secondary_calendar_never_the_primary(svc, alice):
    cal = svc.calendars().insert(body={"summary": "Gone"}).execute()["id"]
    svc.events().insert(calendarId=cal, body=EVENT).execute()
    svc.calendars().delete(calendarId=cal).execute()
    assert cal not in entries(svc)
    assert error(svc.calendars().get(calendarId=cal)) == (404, "notFound")
    assert error(svc.calendars().delete(calendarId="primary")) == (400, "badRequest")
    assert error(svc.calendars().delete(calendarId=alice["account"])) == (400, "badRequest")


# --- calendarList --------------------------------------------------------------------------------

def test_patch_with_rgb_colours_and_override(svc, alice):
    me = alice["account"]
    out = svc.calendarList().patch(calendarId=me, colorRgbFormat=True, body={
        "backgroundColor": "#FF8800", "foregroundColor": "#000000",
        "summaryOverride": "Mine"}).execute()
    assert (out["backgroundColor"], out["foregroundColor"], out["summaryOverride"]) == (
        "#ff8800", "#000000", "Mine")
    # Without colorRgbFormat, RGB values are ignored.
    out = svc.calendarList().patch(calendarId=me, body={"backgroundColor": "#123456"}).execute()
    assert out["backgroundColor"] == "#ff8800"
    assert error(svc.calendarList().patch(calendarId=me, colorRgbFormat=True,
                                          body={"backgroundColor": "red"})) == (400, "invalid")


def test_update_replaces_the_user_settings(svc, alice):
    me = alice["account"]
    svc.calendarList().patch(calendarId=me, body={"summaryOverride": "Mine",
                                                  "colorId": "3"}).execute()
    out = svc.calendarList().update(calendarId=me, body={"colorId": "5"}).execute()
    assert out["colorId"] == "5" and "summaryOverride" not in out


def test_delete_unsubscribes_insert_subscribes_again(svc, control, alice, new_account):
    bob = new_account("bob")
    cal = control.post("/calendars", {"owner": bob["account"], "summary": "Bob"})["id"]
    control.post(f"/calendars/{cal}/acl", {"email": alice["account"], "role": "reader"})
    assert cal in entries(svc)
    svc.calendarList().delete(calendarId=cal).execute()
    assert cal not in entries(svc)
    deleted = svc.calendarList().list(showDeleted=True).execute()["items"]
    assert any(e["id"] == cal and e.get("deleted") for e in deleted)
    assert svc.events().list(calendarId=cal).execute()["accessRole"] == "reader"
    out = svc.calendarList().insert(body={"id": cal}).execute()
    assert out["id"] == cal and cal in entries(svc)
    assert error(svc.calendarList().delete(calendarId="primary")) == (400, "badRequest")
    assert error(svc.calendarList().insert(body={"id": "nobody@example.com"})) == (
        404, "notFound")


# --- events.move -----------------------------------------------------------------------------

def test_move_keeps_id_and_uid_and_leaves_a_cancelled_stub(svc, alice):
    target = svc.calendars().insert(body={"summary": "Target"}).execute()["id"]
    listing = svc.events().list(calendarId="primary").execute()
    event = svc.events().insert(calendarId="primary", body=EVENT).execute()
    moved = svc.events().move(calendarId="primary", eventId=event["id"],
                              destination=target).execute()
    assert (moved["id"], moved["iCalUID"]) == (event["id"], event["iCalUID"])
    assert moved["organizer"]["email"] == target
    assert [e["id"] for e in svc.events().list(calendarId=target).execute()["items"]] == [
        event["id"]]
    changes = svc.events().list(calendarId="primary",
                                syncToken=listing["nextSyncToken"]).execute()["items"]
    assert [(e["id"], e["status"]) for e in changes] == [(event["id"], "cancelled")]
    assert svc.events().get(calendarId="primary", eventId=event["id"]).execute()[
        "status"] == "cancelled"


def test_move_takes_a_series_exceptions_along_and_refuses_instances(svc):
    target = svc.calendars().insert(body={"summary": "Target"}).execute()["id"]
    series = svc.events().insert(calendarId="primary", body={
        "summary": "daily", "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"],
        "start": {"dateTime": "2026-06-01T12:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-06-01T13:00:00", "timeZone": "UTC"}}).execute()
    instance_id = f"{series['id']}_20260602T120000Z"
    svc.events().patch(calendarId="primary", eventId=instance_id,
                       body={"summary": "moved one"}).execute()
    assert error(svc.events().move(calendarId="primary", eventId=instance_id,
                                   destination=target)) == (400, "badRequest")
    svc.events().move(calendarId="primary", eventId=series["id"], destination=target).execute()
    there = svc.events().list(calendarId=target).execute()["items"]
    assert {e["id"] for e in there} == {series["id"], instance_id}


def test_move_needs_writer_access_on_both_sides(svc, control, alice, new_account):
    bob = new_account("bob")
    theirs = control.post("/calendars", {"owner": bob["account"], "summary": "Bob"})["id"]
    control.post(f"/calendars/{theirs}/acl", {"email": alice["account"], "role": "reader"})
    event = svc.events().insert(calendarId="primary", body=EVENT).execute()
    assert error(svc.events().move(calendarId="primary", eventId=event["id"],
                                   destination=theirs)) == (403, "requiredAccessLevel")
    assert error(svc.events().move(calendarId="primary", eventId="nosuchevent0",
                                   destination="primary")) == (404, "notFound")
