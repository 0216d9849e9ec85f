"""events.list over real HTTP with the real google-api-python-client: paging, sync tokens,
tombstones, recurring instances, filters, and calendarList incremental sync.

Expected behaviour follows Google's documented API behaviour.2.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from googleapiclient.errors import HttpError

UTC = dt.timezone.utc
START = dt.datetime(2026, 6, 1, 9, tzinfo=UTC)          # a Monday
WINDOW = {"timeMin": "2026-06-01T00:00:00Z", "timeMax": "2026-06-29T00:00:00Z"}


# --- helpers -------------------------------------------------------------------------------------

def rfc(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def timed(start: dt.datetime = START, summary: str = "event", minutes: int = 60, **extra) -> dict:
    return {"summary": summary, "start": {"dateTime": rfc(start)},
            "end": {"dateTime": rfc(start + dt.timedelta(minutes=minutes))}, **extra}


def berlin(day: str, hour: int, minutes: int = 60) -> dict:
    """start/end of a wall-clock Europe/Berlin event on ``day`` (June 2026: UTC+2)."""
    start = dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00")
    end = start + dt.timedelta(minutes=minutes)
    return {"start": {"dateTime": start.isoformat(), "timeZone": "Europe/Berlin"},
            "end": {"dateTime": end.isoformat(), "timeZone": "Europe/Berlin"}}


def weekly(summary: str = "weekly", rule: str = "RRULE:FREQ=WEEKLY") -> dict:
    """Mondays 09:00 Berlin (07:00Z) from 2026-06-01."""
    return {"summary": summary, **berlin("2026-06-01", 9), "recurrence": [rule]}


def bulk(control, calendar: str, count: int) -> list[str]:
    bodies = [timed(START + dt.timedelta(hours=n), f"bulk {n}") for n in range(count)]
    return control.post(f"/calendars/{calendar}/events:bulk", {"events": bodies})["ids"]


def pages(svc, calendar: str = "primary", **params) -> list[dict]:
    """Every page of one events.list query."""
    out = [svc.events().list(calendarId=calendar, **params).execute()]
    while "nextPageToken" in out[-1]:
        out.append(svc.events().list(calendarId=calendar, pageToken=out[-1]["nextPageToken"],
                                     **params).execute())
    return out


def listed(svc, calendar: str = "primary", **params) -> tuple[dict[str, dict], str | None]:
    """All items of a (full or incremental) list by id, and the final nextSyncToken."""
    got = pages(svc, calendar, **params)
    return {i["id"]: i for page in got for i in page["items"]}, got[-1].get("nextSyncToken")


def error(request) -> tuple[int, str]:
    with pytest.raises(HttpError) as info:
        request.execute()
    return info.value.resp.status, info.value.error_details[0]["reason"]


def insert(svc, body: dict, calendar: str = "primary") -> dict:
    return svc.events().insert(calendarId=calendar, body=body).execute()


class Writer:
    """Changes made through the API, or "as Google" (another device) via the control API."""

    def __init__(self, svc, control, calendar: str, via: str):
        self.svc, self.control, self.calendar, self.via = svc, control, calendar, via

    def insert(self, body: dict) -> dict:
        if self.via == "api":
            return insert(self.svc, body)
        return self.control.post(f"/calendars/{self.calendar}/events", body)

    def update(self, event_id: str, body: dict) -> dict:
        if self.via == "api":
            return self.svc.events().update(calendarId="primary", eventId=event_id,
                                            body=body).execute()
        return self.control.put(f"/calendars/{self.calendar}/events/{event_id}", body)

    def delete(self, event_id: str) -> None:
        if self.via == "api":
            self.svc.events().delete(calendarId="primary", eventId=event_id).execute()
        else:
            self.control.delete(f"/calendars/{self.calendar}/events/{event_id}")


@pytest.fixture(params=["api", "control"])
def writer(request, svc, control, alice):
    return Writer(svc, control, alice["account"], request.param)


# --- paging and page sizes ---------------------------------------------------------------------

def test_600_events_come_in_three_pages_with_sync_token_on_the_last(svc, control, alice):
    ids = bulk(control, alice["account"], 600)
    got = pages(svc, maxResults=250)
    assert [len(p["items"]) for p in got] == [250, 250, 100]
    assert ["nextPageToken" in p for p in got] == [True, True, False]
    assert ["nextSyncToken" in p for p in got] == [False, False, True]
    seen = [i["id"] for p in got for i in p["items"]]
    assert len(set(seen)) == 600 and set(seen) == set(ids)


def test_max_results_defaults_to_250_and_is_capped_at_2500(svc, control, alice):
    bulk(control, alice["account"], 2600)
    default = svc.events().list(calendarId="primary").execute()
    assert len(default["items"]) == 250 and "nextPageToken" in default
    big = svc.events().list(calendarId="primary", maxResults=5000).execute()
    assert len(big["items"]) == 2500 and "nextSyncToken" not in big
    rest = svc.events().list(calendarId="primary", maxResults=5000,
                             pageToken=big["nextPageToken"]).execute()
    assert len(rest["items"]) == 100 and "nextSyncToken" in rest
    assert not {i["id"] for i in big["items"]} & {i["id"] for i in rest["items"]}


# --- incremental sync ----------------------------------------------------------------------------

def _three_changes(svc, writer) -> tuple[str, dict, dict, dict]:
    """A full sync, then an insert, an update and a delete: (token, new, updated, deleted)."""
    _, updated, deleted = (writer.insert(timed(START + dt.timedelta(hours=n), f"e{n}"))
                           for n in range(3))
    _, token = listed(svc)
    new = writer.insert(timed(summary="new"))
    writer.update(updated["id"], timed(summary="renamed"))
    writer.delete(deleted["id"])
    return token, new, updated, deleted


def test_incremental_list_has_exactly_the_changes_and_a_minimal_tombstone(svc, writer):
    token, new, updated, deleted = _three_changes(svc, writer)
    changed, next_token = listed(svc, syncToken=token)
    assert set(changed) == {new["id"], updated["id"], deleted["id"]}
    assert changed[new["id"]]["summary"] == "new"
    assert changed[updated["id"]]["summary"] == "renamed"
    tombstone = changed[deleted["id"]]
    assert set(tombstone) == {"kind", "etag", "id", "status"}
    assert tombstone["status"] == "cancelled" and tombstone["kind"] == "calendar#event"
    assert tombstone["etag"] != deleted["etag"]
    assert next_token and listed(svc, syncToken=next_token)[0] == {}
    full, _ = listed(svc)
    assert deleted["id"] not in full and len(full) == 3


def test_incremental_list_with_show_deleted_keeps_tombstone_details(svc, writer):
    token, _, _, deleted = _three_changes(svc, writer)
    changed, _ = listed(svc, syncToken=token, showDeleted=True)
    tombstone = changed[deleted["id"]]
    assert tombstone["status"] == "cancelled"
    assert tombstone["summary"] == "e2"
    assert instant(tombstone["start"]["dateTime"]) == START + dt.timedelta(hours=2)


def test_change_between_pages_shows_up_in_the_next_incremental_list(svc, control, alice):
    ids = bulk(control, alice["account"], 6)
    first = svc.events().list(calendarId="primary", maxResults=2).execute()
    on_first = [i["id"] for i in first["items"]]
    later = [i for i in ids if i not in on_first][-1]
    svc.events().patch(calendarId="primary", eventId=on_first[0],
                       body={"summary": "changed meanwhile"}).execute()
    svc.events().delete(calendarId="primary", eventId=later).execute()
    new = insert(svc, timed(summary="inserted meanwhile"))
    page = first
    while "nextPageToken" in page:
        page = svc.events().list(calendarId="primary", maxResults=2,
                                 pageToken=page["nextPageToken"]).execute()
    changed, _ = listed(svc, syncToken=page["nextSyncToken"])
    assert set(changed) == {on_first[0], later, new["id"]}
    assert changed[on_first[0]]["summary"] == "changed meanwhile"
    assert changed[later]["status"] == "cancelled"


def test_invalidated_or_garbage_sync_token_is_410_and_a_full_sync_recovers(svc, control, alice):
    insert(svc, timed(summary="one"))
    _, token = listed(svc)
    control.post(f"/calendars/{alice['account']}/invalidate-sync-tokens")
    assert error(svc.events().list(calendarId="primary", syncToken=token)) == \
        (410, "fullSyncRequired")
    assert error(svc.events().list(calendarId="primary", syncToken="not-a-token")) == \
        (410, "fullSyncRequired")
    items, fresh = listed(svc)
    assert [i["summary"] for i in items.values()] == ["one"] and fresh
    two = insert(svc, timed(summary="two"))
    assert set(listed(svc, syncToken=fresh)[0]) == {two["id"]}


@pytest.mark.parametrize("param", [
    {"timeMin": "2026-01-01T00:00:00Z"}, {"timeMax": "2027-01-01T00:00:00Z"}, {"q": "x"},
    {"orderBy": "updated"}, {"iCalUID": "x@google.com"}, {"updatedMin": "2026-01-01T00:00:00Z"},
    {"privateExtendedProperty": "a=b"},
], ids=lambda p: next(iter(p)))
def test_sync_token_with_a_forbidden_parameter_is_400(svc, param):
    _, token = listed(svc)
    assert error(svc.events().list(calendarId="primary", syncToken=token, **param))[0] == 400
    # the permitted companions are fine
    ok = svc.events().list(calendarId="primary", syncToken=token, maxResults=10,
                           singleEvents=True, showDeleted=True).execute()
    assert ok["items"] == [] and "nextSyncToken" in ok


# --- recurring events in incremental lists -------------------------------------------------------

def test_modified_and_cancelled_instances_appear_in_the_incremental_list(svc):
    master = insert(svc, weekly())
    _, token = listed(svc)
    moved_id, gone_id = (f"{master['id']}_202606{d}T070000Z" for d in ("08", "15"))
    svc.events().patch(calendarId="primary", eventId=moved_id,
                       body=berlin("2026-06-08", 11)).execute()
    svc.events().delete(calendarId="primary", eventId=gone_id).execute()
    changed, _ = listed(svc, syncToken=token)
    assert set(changed) == {moved_id, gone_id}
    moved, gone = changed[moved_id], changed[gone_id]
    assert moved["recurringEventId"] == master["id"] and moved["status"] == "confirmed"
    assert instant(moved["originalStartTime"]["dateTime"]) == instant("2026-06-08T07:00:00Z")
    assert moved["start"]["dateTime"] == "2026-06-08T11:00:00+02:00"
    assert set(gone) == {"kind", "etag", "id", "status", "recurringEventId", "originalStartTime"}
    assert gone["status"] == "cancelled" and gone["recurringEventId"] == master["id"]
    assert instant(gone["originalStartTime"]["dateTime"]) == instant("2026-06-15T07:00:00Z")


def test_all_day_series_instances_use_date_ids(svc):
    master = insert(svc, {"summary": "daily", "start": {"date": "2026-06-01"},
                          "end": {"date": "2026-06-02"},
                          "recurrence": ["RRULE:FREQ=DAILY;COUNT=5"]})
    _, token = listed(svc)
    svc.events().patch(calendarId="primary", eventId=f"{master['id']}_20260602",
                       body={"summary": "special"}).execute()
    svc.events().delete(calendarId="primary", eventId=f"{master['id']}_20260603").execute()
    changed, _ = listed(svc, syncToken=token)
    assert set(changed) == {f"{master['id']}_20260602", f"{master['id']}_20260603"}
    special, gone = changed[f"{master['id']}_20260602"], changed[f"{master['id']}_20260603"]
    assert special["summary"] == "special"
    assert special["originalStartTime"] == {"date": "2026-06-02"}
    assert gone["status"] == "cancelled" and gone["originalStartTime"] == {"date": "2026-06-03"}


def test_single_events_incremental_list_reports_a_deleted_series_by_its_instances(svc):
    mid = insert(svc, weekly(rule="RRULE:FREQ=WEEKLY;COUNT=3"))["id"]
    modified = f"{mid}_20260608T070000Z"
    svc.events().patch(calendarId="primary", eventId=modified, body={"summary": "mod"}).execute()
    _, token = listed(svc, singleEvents=True)
    svc.events().delete(calendarId="primary", eventId=mid).execute()
    changed, _ = listed(svc, singleEvents=True, syncToken=token)
    assert mid not in changed       # singleEvents never returns "the underlying recurring events"
    assert changed[modified]["status"] == "cancelled"
    assert all(i["recurringEventId"] == mid for i in changed.values())


# --- singleEvents, orderBy and filters -----------------------------------------------------------

def _series_with_exceptions(svc) -> dict[str, str]:
    """A weekly series with the 06-08 instance moved to Wed 06-10 14:00, 06-15 cancelled, 06-29
    (outside WINDOW) moved into it (Thu 06-25 10:00), plus a single event on 06-09."""
    mid = insert(svc, weekly())["id"]
    ids = {d: f"{mid}_202606{d}T070000Z" for d in ("01", "08", "15", "22", "29")}
    in_window = {ids[d] for d in ("01", "08", "15", "22")}       # before any change
    assert set(listed(svc, singleEvents=True, **WINDOW)[0]) == in_window
    patch = svc.events().patch
    patch(calendarId="primary", eventId=ids["08"], body=berlin("2026-06-10", 14)).execute()
    patch(calendarId="primary", eventId=ids["29"], body=berlin("2026-06-25", 10)).execute()
    svc.events().delete(calendarId="primary", eventId=ids["15"]).execute()
    ids["single"] = insert(svc, timed(dt.datetime(2026, 6, 9, 12, tzinfo=UTC)))["id"]
    ids["master"] = mid
    return ids


def test_single_events_expands_the_window_without_cancelled_and_with_moved(svc):
    ids = _series_with_exceptions(svc)
    by_id, _ = listed(svc, singleEvents=True, **WINDOW)
    assert set(by_id) == {ids["01"], ids["08"], ids["22"], ids["29"], ids["single"]}
    assert by_id[ids["08"]]["start"]["dateTime"] == "2026-06-10T14:00:00+02:00"
    assert by_id[ids["29"]]["start"]["dateTime"] == "2026-06-25T10:00:00+02:00"
    assert all("recurrence" not in i for i in by_id.values())
    assert all(by_id[ids[d]]["recurringEventId"] == ids["master"] for d in ("01", "22"))
    # without singleEvents: the master and its exceptions, the cancelled one too ([D] showDeleted)
    unexpanded, _ = listed(svc, **WINDOW)
    assert set(unexpanded) == {ids["master"], ids["08"], ids["15"], ids["29"], ids["single"]}
    assert unexpanded[ids["15"]]["status"] == "cancelled"


def test_order_by_start_time_needs_single_events(svc):
    ids = _series_with_exceptions(svc)
    got = svc.events().list(calendarId="primary", singleEvents=True, orderBy="startTime",
                            **WINDOW).execute()
    assert [i["id"] for i in got["items"]] == [ids["01"], ids["single"], ids["08"], ids["22"],
                                               ids["29"]]
    assert "nextSyncToken" not in got
    assert error(svc.events().list(calendarId="primary", orderBy="startTime")) == \
        (400, "badRequest")


def test_q_matches_summary_description_and_location_case_insensitively(svc):
    dentist = insert(svc, timed(summary="Dentist"))
    building = insert(svc, timed(summary="Lunch", location="Dentistry building"))
    notes = insert(svc, timed(summary="Gym", description="bring the DENTIST form"))
    insert(svc, timed(summary="Other"))
    assert set(listed(svc, q="dentist")[0]) == {dentist["id"], building["id"], notes["id"]}
    assert set(listed(svc, q="GYM")[0]) == {notes["id"]}
    assert listed(svc, q="nothing like it")[0] == {}


def test_ical_uid_filter(svc):
    foreign = insert(svc, timed(summary="imported", iCalUID="meeting-42@example.org"))
    native = insert(svc, timed(summary="native"))
    assert native["iCalUID"] == f"{native['id']}@google.com"
    assert set(listed(svc, iCalUID="meeting-42@example.org")[0]) == {foreign["id"]}
    assert set(listed(svc, iCalUID=native["iCalUID"])[0]) == {native["id"]}


def test_updated_min_returns_later_changes_including_deletions(svc):
    old = insert(svc, timed(summary="old"))
    gone = insert(svc, timed(summary="gone"))
    mark = max(instant(old["updated"]), instant(gone["updated"])) + dt.timedelta(milliseconds=1)
    time.sleep(0.005)       # `updated` has millisecond resolution: keep the batches apart
    new = insert(svc, timed(summary="new"))
    svc.events().delete(calendarId="primary", eventId=gone["id"]).execute()
    got, _ = listed(svc, updatedMin=rfc(mark))
    assert set(got) == {new["id"], gone["id"]}
    assert got[gone["id"]]["status"] == "cancelled" and "summary" not in got[gone["id"]]
    assert set(listed(svc, updatedMin="2020-01-01T00:00:00Z")[0]) == {old["id"], new["id"],
                                                                      gone["id"]}
    assert listed(svc, updatedMin=rfc(dt.datetime.now(UTC) + dt.timedelta(days=1)))[0] == {}


# --- calendarList incremental sync -------------------------------------------------------------

def test_calendar_list_incremental_sync_shows_sharing_and_unsharing(svc, control, alice,
                                                                   new_account):
    bob = new_account("bob")
    full = svc.calendarList().list().execute()
    assert [e["id"] for e in full["items"]] == [alice["account"]]
    calendar = control.post("/calendars", {"owner": bob["account"], "summary": "Bob's team"})["id"]
    control.post(f"/calendars/{calendar}/acl", {"email": alice["account"], "role": "reader"})
    shared = svc.calendarList().list(syncToken=full["nextSyncToken"]).execute()
    assert [(e["id"], e["accessRole"], e["summary"]) for e in shared["items"]] == \
        [(calendar, "reader", "Bob's team")]
    control.post(f"/calendars/{calendar}/acl", {"email": alice["account"], "role": None})
    unshared = svc.calendarList().list(syncToken=shared["nextSyncToken"]).execute()
    assert [(e["id"], e.get("deleted")) for e in unshared["items"]] == [(calendar, True)]
    after = svc.calendarList().list(syncToken=unshared["nextSyncToken"]).execute()
    assert after["items"] == []
    assert [e["id"] for e in svc.calendarList().list().execute()["items"]] == [alice["account"]]
