"""Event writes over real HTTP with the real google-api-python-client: client ids, conditional
requests, etags/updated/sequence, patch vs update, validation, access levels, deletion and
events.instances.

Expected behaviour follows Google's documented API behaviour.4–§3 and §6.
"""

from __future__ import annotations

import datetime as dt

import pytest
from googleapiclient.errors import HttpError

UTC = dt.timezone.utc
START = dt.datetime(2026, 6, 1, 9, tzinfo=UTC)


# --- helpers -------------------------------------------------------------------------------------

def rfc(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def timed(start: dt.datetime = START, summary: str = "event", minutes: int = 60, **extra) -> dict:
    return {"summary": summary, "start": {"dateTime": rfc(start)},
            "end": {"dateTime": rfc(start + dt.timedelta(minutes=minutes))}, **extra}


def berlin(day: str, hour: int) -> dict:
    """start/end of a one-hour Europe/Berlin wall-clock event (June 2026: UTC+2)."""
    return {"start": {"dateTime": f"{day}T{hour:02d}:00:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": f"{day}T{hour + 1:02d}:00:00", "timeZone": "Europe/Berlin"}}


def weekly(count: int = 5) -> dict:
    """Mondays 09:00 Berlin (07:00Z) from 2026-06-01."""
    return {"summary": "weekly", **berlin("2026-06-01", 9),
            "recurrence": [f"RRULE:FREQ=WEEKLY;COUNT={count}"]}


def instance(master_id: str, day: str) -> str:
    return f"{master_id}_202606{day}T070000Z"


def error(request) -> tuple[int, str]:
    with pytest.raises(HttpError) as info:
        request.execute()
    return info.value.resp.status, info.value.error_details[0]["reason"]


def with_header(request, name: str, value: str):
    request.headers[name] = value
    return request


class Events:
    """Shorthands for one calendar's events collection."""

    def __init__(self, svc, calendar: str = "primary"):
        self.api, self.calendar = svc.events(), calendar

    def insert(self, body: dict):
        return self.api.insert(calendarId=self.calendar, body=body)

    def get(self, event_id: str):
        return self.api.get(calendarId=self.calendar, eventId=event_id)

    def patch(self, event_id: str, body: dict):
        return self.api.patch(calendarId=self.calendar, eventId=event_id, body=body)

    def update(self, event_id: str, body: dict):
        return self.api.update(calendarId=self.calendar, eventId=event_id, body=body)

    def delete(self, event_id: str):
        return self.api.delete(calendarId=self.calendar, eventId=event_id)

    def list(self, **params) -> dict:
        return self.api.list(calendarId=self.calendar, **params).execute()

    def changes(self, token: str) -> dict[str, dict]:
        page = self.list(syncToken=token)
        assert "nextPageToken" not in page
        return {i["id"]: i for i in page["items"]}


@pytest.fixture
def ev(svc):
    return Events(svc)


# --- client-supplied ids -----------------------------------------------------------------------

def test_reused_client_id_is_409_also_after_delete(ev):
    body = timed(id="abcdef0123456789")
    assert ev.insert(body).execute()["id"] == "abcdef0123456789"
    assert error(ev.insert(body)) == (409, "duplicate")
    ev.delete("abcdef0123456789").execute()
    assert error(ev.insert(body)) == (409, "duplicate")
    assert ev.get("abcdef0123456789").execute()["status"] == "cancelled"


@pytest.mark.parametrize("event_id", ["abcd", "abcdw12345", "ABCDE12345", "abc_def12",
                                      "abc-def12", "a" * 1025])
def test_client_id_outside_base32hex_or_too_short_is_400(ev, event_id):
    assert error(ev.insert(timed(id=event_id))) == (400, "invalid")
    assert ev.list()["items"] == []


@pytest.mark.parametrize("event_id", ["abcde", "0123456789abcdefghijklmnopqrstuv", "v" * 1024])
def test_valid_client_ids_are_accepted(ev, event_id):
    assert ev.insert(timed(id=event_id)).execute()["id"] == event_id
    assert ev.get(event_id).execute()["id"] == event_id


# --- conditional requests ----------------------------------------------------------------------

WRITES = {
    "update": lambda ev, event_id: ev.update(event_id, timed(summary="changed")),
    "patch": lambda ev, event_id: ev.patch(event_id, {"summary": "changed"}),
    "delete": lambda ev, event_id: ev.delete(event_id),
}


@pytest.mark.parametrize("method", WRITES)
def test_if_match_stale_is_412_and_changes_nothing_matching_succeeds(ev, method):
    stale = ev.insert(timed(summary="v1")).execute()
    current = ev.patch(stale["id"], {"description": "d"}).execute()
    assert current["etag"] != stale["etag"]
    request = WRITES[method](ev, stale["id"])
    assert error(with_header(request, "If-Match", stale["etag"])) == (412, "conditionNotMet")
    assert ev.get(stale["id"]).execute() == current
    with_header(WRITES[method](ev, stale["id"]), "If-Match", current["etag"]).execute()
    after = ev.get(stale["id"]).execute()
    assert after["etag"] != current["etag"]
    assert (after["status"] == "cancelled") if method == "delete" else (
        after["summary"] == "changed")


def test_if_none_match_on_get_is_304_while_unchanged(ev):
    created = ev.insert(timed()).execute()
    with pytest.raises(HttpError) as info:      # the python client raises on 304
        with_header(ev.get(created["id"]), "If-None-Match", created["etag"]).execute()
    assert info.value.resp.status == 304
    changed = ev.patch(created["id"], {"summary": "new"}).execute()
    fresh = with_header(ev.get(created["id"]), "If-None-Match", created["etag"]).execute()
    assert fresh["etag"] == changed["etag"] and fresh["summary"] == "new"


# --- etag, updated, sequence -------------------------------------------------------------------

def test_etag_changes_on_every_write_updated_and_sequence_rules(ev):
    created = ev.insert(timed()).execute()
    assert created["sequence"] == 0
    described = ev.patch(created["id"], {"description": "more"}).execute()
    reminded = ev.patch(created["id"], {"reminders": {
        "useDefault": False, "overrides": [{"method": "popup", "minutes": 5}]}}).execute()
    assert reminded["reminders"]["overrides"] == [{"method": "popup", "minutes": 5}]
    assert reminded["updated"] == described["updated"]
    moved = ev.patch(created["id"], timed(START + dt.timedelta(hours=1))).execute()
    assert moved["sequence"] == reminded["sequence"] + 1
    replaced = ev.update(created["id"], timed(START + dt.timedelta(hours=1), "same")).execute()
    etags = [e["etag"] for e in (created, described, reminded, moved, replaced)]
    assert len(set(etags)) == len(etags)
    assert ev.get(created["id"]).execute()["etag"] == replaced["etag"]


# --- patch vs update ---------------------------------------------------------------------------

def test_patch_merges_and_update_replaces(ev):
    created = ev.insert(timed(summary="orig", description="desc", location="Room 1", colorId="5",
                              attendees=[{"email": "a@example.com"},
                                         {"email": "b@example.com"}])).execute()
    patched = ev.patch(created["id"], {"summary": "patched",
                                       "attendees": [{"email": "c@example.com"}]}).execute()
    assert (patched["summary"], patched["description"], patched["location"],
            patched["colorId"]) == ("patched", "desc", "Room 1", "5")
    assert patched["start"] == created["start"] and patched["end"] == created["end"]
    assert [a["email"] for a in patched["attendees"]] == ["c@example.com"]   # arrays replaced
    replaced = ev.update(created["id"], timed(summary="replaced")).execute()
    assert replaced["summary"] == "replaced"
    for field in ("description", "location", "colorId", "attendees"):
        assert field not in replaced
    assert ev.get(created["id"]).execute() == replaced


# --- validation --------------------------------------------------------------------------------

END = rfc(START + dt.timedelta(hours=1))
INVALID = {
    "missing start": ({"summary": "x", "end": {"dateTime": END}}, "required"),
    "date/dateTime mix": ({"start": {"date": "2026-06-01"}, "end": {"dateTime": END}},
                          "invalid"),
    "end before start": ({"start": {"dateTime": END}, "end": {"dateTime": rfc(START)}},
                         "timeRangeEmpty"),
    "six reminder overrides": (timed(reminders={"useDefault": False, "overrides": [
        {"method": "popup", "minutes": n} for n in range(6)]}), None),
    "bad colorId": (timed(colorId="12"), "invalid"),
    "recurring without start.timeZone": (timed(recurrence=["RRULE:FREQ=DAILY"]), "required"),
}


@pytest.mark.parametrize("body, reason", INVALID.values(), ids=list(INVALID))
def test_invalid_event_is_rejected_with_400(ev, body, reason):
    with pytest.raises(HttpError) as info:
        ev.insert(body).execute()
    assert info.value.resp.status == 400
    if reason:                                  # Google's reason for >5 overrides is unpublished
        assert info.value.error_details[0]["reason"] == reason
    assert ev.list()["items"] == []


def test_patch_producing_an_invalid_event_is_rejected_and_changes_nothing(ev):
    created = ev.insert(timed()).execute()
    bad = {"end": {"dateTime": rfc(START - dt.timedelta(hours=1))}}
    assert error(ev.patch(created["id"], bad)) == (400, "timeRangeEmpty")
    assert ev.get(created["id"]).execute() == created


# --- access levels -----------------------------------------------------------------------------

def test_reader_calendar_lists_but_refuses_writes(svc, control, alice, new_account):
    bob = new_account("bob")
    calendar = control.post("/calendars", {"owner": bob["account"], "summary": "Bob"})["id"]
    control.post(f"/calendars/{calendar}/acl", {"email": alice["account"], "role": "reader"})
    theirs = control.post(f"/calendars/{calendar}/events", timed(summary="bob's"))
    shared = Events(svc, calendar)
    page = shared.list()
    assert page["accessRole"] == "reader" and [i["id"] for i in page["items"]] == [theirs["id"]]
    for request in (shared.insert(timed()), shared.patch(theirs["id"], {"summary": "mine"}),
                    shared.delete(theirs["id"])):
        assert error(request) == (403, "requiredAccessLevel")
    assert shared.get(theirs["id"]).execute() == theirs


# --- deletion ----------------------------------------------------------------------------------

def test_deleted_event_get_200_cancelled_delete_again_410_update_403(ev):
    created = ev.insert(timed()).execute()
    ev.delete(created["id"]).execute()
    gone = ev.get(created["id"]).execute()
    assert gone["status"] == "cancelled" and gone["id"] == created["id"]
    assert error(ev.delete(created["id"])) == (410, "deleted")
    with pytest.raises(HttpError) as info:
        ev.update(created["id"], timed(summary="revived")).execute()
    assert info.value.resp.status == 403
    assert ev.get(created["id"]).execute() == gone


def test_deleting_a_master_cancels_its_exceptions(ev):
    master = ev.insert(weekly()).execute()
    moved = ev.patch(instance(master["id"], "08"), berlin("2026-06-10", 14)).execute()
    renamed = ev.patch(instance(master["id"], "22"), {"summary": "special"}).execute()
    token = ev.list()["nextSyncToken"]
    ev.delete(master["id"]).execute()
    changed = ev.changes(token)
    assert set(changed) == {master["id"], moved["id"], renamed["id"]}
    assert {i["status"] for i in changed.values()} == {"cancelled"}
    assert changed[moved["id"]]["recurringEventId"] == master["id"]
    assert ev.get(moved["id"]).execute()["status"] == "cancelled"
    assert error(ev.delete(master["id"])) == (410, "deleted")
    assert ev.list(singleEvents=True)["items"] == []


def test_show_deleted_single_events_lists_instances_of_a_deleted_series(ev):
    mid = ev.insert(weekly(count=3)).execute()["id"]
    ev.patch(instance(mid, "08"), {"summary": "special"}).execute()
    ev.delete(mid).execute()
    items = {i["id"]: i for i in ev.list(singleEvents=True, showDeleted=True)["items"]}
    assert mid not in items
    assert items[instance(mid, "08")]["status"] == "cancelled"


# --- events.instances --------------------------------------------------------------------------

def test_instances_with_a_moved_and_a_cancelled_instance(ev):
    mid = ev.insert(weekly(count=5)).execute()["id"]
    ids = [instance(mid, day) for day in ("01", "08", "15", "22", "29")]
    ev.patch(ids[1], berlin("2026-06-10", 14)).execute()
    ev.delete(ids[2]).execute()
    for show_deleted in (None, False):
        params = {} if show_deleted is None else {"showDeleted": show_deleted}
        got = ev.api.instances(calendarId="primary", eventId=mid, **params).execute()["items"]
        assert [i["id"] for i in got] == [ids[0], ids[1], ids[3], ids[4]]
    assert all(i["recurringEventId"] == mid and "originalStartTime" in i for i in got)
    assert got[1]["start"]["dateTime"] == "2026-06-10T14:00:00+02:00"
    assert got[1]["originalStartTime"]["dateTime"] == "2026-06-08T09:00:00+02:00"
    everything = ev.api.instances(calendarId="primary", eventId=mid,
                                  showDeleted=True).execute()["items"]
    assert [i["id"] for i in everything] == ids
    assert [i["status"] for i in everything] == ["confirmed", "confirmed", "cancelled",
                                                 "confirmed", "confirmed"]


def test_all_day_series_instances_have_date_ids(ev):
    master = ev.insert({"summary": "daily", "start": {"date": "2026-06-01"},
                        "end": {"date": "2026-06-02"},
                        "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"]}).execute()
    got = ev.api.instances(calendarId="primary", eventId=master["id"]).execute()["items"]
    assert [i["id"] for i in got] == [f"{master['id']}_2026060{d}" for d in (1, 2, 3)]
    assert [i["originalStartTime"] for i in got] == [{"date": f"2026-06-0{d}"} for d in (1, 2, 3)]


def test_instances_time_min_is_inclusive_on_the_end(ev):
    mid = ev.insert(weekly(count=3)).execute()["id"]      # 07:00Z-08:00Z instances
    got = ev.api.instances(calendarId="primary", eventId=mid,
                           timeMin="2026-06-08T08:00:00Z").execute()["items"]
    assert [i["id"] for i in got] == [instance(mid, "08"), instance(mid, "15")]
