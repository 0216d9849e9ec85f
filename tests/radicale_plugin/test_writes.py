"""The write path end to end: CalDAV PUT/DELETE through the bridge land on Google (checked
through the Google API), safely: conflicts, lost replies, retries, quiet alarm changes, clear
errors that change nothing, and no write stalling other calendars."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

BERLIN_EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Berlin:20260601T090000\r
DTEND;TZID=Europe/Berlin:20260601T100000\r
SUMMARY:{summary}\r
{extra}END:VEVENT\r
END:VCALENDAR\r
"""


def ical(uid: str, summary: str = "Planning", extra: str = "") -> str:
    return BERLIN_EVENT.format(uid=uid, summary=summary, extra=extra)


def google_events(svc, cal: str, uid: str) -> list[dict]:
    return svc.events().list(calendarId=cal, iCalUID=uid, showDeleted=True).execute()["items"]


@pytest.fixture
def bridge(make_bridge, alice):
    server = make_bridge(alice)
    return server, alice["account"], server.calendar_url(alice["account"])


def put(server, url: str, text: str, **headers):
    return server.session.put(url, data=text.encode(),
                              headers={"Content-Type": "text/calendar", **headers})


def test_create_modify_and_delete_land_on_google(bridge, svc):
    server, cal, url = bridge
    uid = str(uuid.uuid4())
    series = ical(uid, "Standup", "RRULE:FREQ=WEEKLY;COUNT=6\r\nATTENDEE;CN=Ana;PARTSTAT=ACCEPTED"
                  ":mailto:ana@example.com\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n"
                  "TRIGGER:-PT15M\r\nEND:VALARM\r\n")
    created = put(server, url + f"{uid}.ics", series, **{"If-None-Match": "*"})
    assert created.status_code == 201, created.text
    [master] = google_events(svc, cal, uid)
    assert master["summary"] == "Standup" and master["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=6"]
    assert master["start"] == {"dateTime": "2026-06-01T09:00:00+02:00", "timeZone": "Europe/Berlin"}
    assert [(a["email"], a["responseStatus"]) for a in master["attendees"]] == [
        ("ana@example.com", "accepted")]
    assert master["reminders"] == {"useDefault": False,
                                   "overrides": [{"method": "popup", "minutes": 15}]}

    # The client edits what it got: a new title, one moved occurrence, one removed.
    fetched = server.session.get(url + f"{uid}.ics")
    text = fetched.text.replace("SUMMARY:Standup", "SUMMARY:Daily standup", 1)
    moved = ("BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
             "RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r\n"
             "DTSTART;TZID=Europe/Berlin:20260608T113000\r\n"
             "DTEND;TZID=Europe/Berlin:20260608T123000\r\nSUMMARY:Late standup\r\n"
             "END:VEVENT\r\n").format(uid=uid)
    text = text.replace("END:VCALENDAR", moved + "END:VCALENDAR")
    text = text.replace("RRULE:FREQ=WEEKLY;COUNT=6",
                        "RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=Europe/Berlin:20260615T090000")
    updated = put(server, url + f"{uid}.ics", text, **{"If-Match": fetched.headers["ETag"]})
    assert updated.status_code == 204, updated.text

    master = svc.events().get(calendarId=cal, eventId=master["id"]).execute()
    assert master["summary"] == "Daily standup"
    instances = svc.events().instances(calendarId=cal, eventId=master["id"]).execute()["items"]
    starts = {i["start"]["dateTime"]: i.get("summary") for i in instances}
    assert starts.get("2026-06-08T11:30:00+02:00") == "Late standup"
    assert "2026-06-15T09:00:00+02:00" not in starts and len(instances) == 5
    assert master["attendees"][0]["email"] == "ana@example.com"      # untouched field kept

    deleted = server.session.delete(url + f"{uid}.ics")
    assert deleted.status_code in (200, 204)
    assert svc.events().get(calendarId=cal, eventId=master["id"]).execute()["status"] == \
        "cancelled"
    assert server.session.get(url + f"{uid}.ics").status_code == 404


def test_change_on_google_meanwhile_makes_if_match_fail(bridge, svc, control):
    server, cal, url = bridge
    uid = str(uuid.uuid4())
    assert put(server, url + f"{uid}.ics", ical(uid)).status_code == 201
    etag = server.session.get(url + f"{uid}.ics").headers["ETag"]
    [event] = google_events(svc, cal, uid)
    control.patch(f"/calendars/{cal}/events/{event['id']}", {"location": "Room 7"})
    answer = put(server, url + f"{uid}.ics", ical(uid, "Mine"), **{"If-Match": etag})
    assert answer.status_code == 412
    [event] = google_events(svc, cal, uid)
    assert (event["summary"], event["location"]) == ("Planning", "Room 7")


@pytest.mark.parametrize("fault", [
    [{"kind": "lose_reply", "method": "events.insert", "count": 2}],
    [{"kind": "error", "status": 503, "method": "events.insert"}],
    [{"kind": "lose_reply", "method": "events.insert"},
     {"kind": "disconnect", "method": "events.insert"}],
])
def test_a_lost_or_failed_insert_leaves_exactly_one_event(bridge, svc, control, fault):
    server, cal, url = bridge
    uid = str(uuid.uuid4())
    for spec in fault:
        control.post("/faults", spec)
    answer = put(server, url + f"{uid}.ics", ical(uid), **{"If-None-Match": "*"})
    assert answer.status_code == 201, answer.text
    events = [e for e in google_events(svc, cal, uid) if e["status"] != "cancelled"]
    assert len(events) == 1 and events[0]["summary"] == "Planning"
    assert len(server.sync_collection(url)[1]) == 1


def test_alarm_acknowledgement_stays_local(bridge, svc, control):
    server, cal, url = bridge
    uid = str(uuid.uuid4())
    alarm = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\n"
    attendee = "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\n"
    assert put(server, url + f"{uid}.ics", ical(uid, extra=attendee + alarm)).status_code == 201
    [before] = google_events(svc, cal, uid)
    fetched = server.session.get(url + f"{uid}.ics")
    acknowledged = fetched.text.replace(
        "TRIGGER:-PT10M", "TRIGGER:-PT10M\r\nACKNOWLEDGED:20260601T065000Z").replace(
        "END:VALARM", "END:VALARM\r\nX-MOZ-LASTACK:20260601T065000Z", 1)
    control.post("/stats/reset")
    answer = put(server, url + f"{uid}.ics", acknowledged, **{"If-Match": fetched.headers["ETag"]})
    assert answer.status_code == 204, answer.text
    calls = control.calls()
    assert not {"events.patch", "events.update", "events.insert"} & set(calls), calls
    [after] = google_events(svc, cal, uid)
    assert after["etag"] == before["etag"]
    text = server.session.get(url + f"{uid}.ics").text
    assert "X-MOZ-LASTACK:20260601T065000Z" in text and "ACKNOWLEDGED:20260601T065000Z" in text


def test_bad_writes_get_clear_errors_and_change_nothing(make_bridge, new_account, control, svc,
                                                       alice, service_for):
    owner = new_account("owner")
    shared = control.post("/calendars", {"owner": owner["account"], "summary": "Read only"})
    control.post(f"/calendars/{shared['id']}/acl", {"email": alice["account"], "role": "reader"})
    server = make_bridge(alice)
    cal, url = alice["account"], server.calendar_url(alice["account"])
    uid = str(uuid.uuid4())
    assert put(server, url + f"{uid}.ics", ical(uid)).status_code == 201
    control.post("/stats/reset")

    refused = put(server, server.calendar_url(shared["id"]) + "x.ics", ical("x-1"))
    assert refused.status_code == 403
    broken = put(server, url + "broken.ics", "BEGIN:VCALENDAR\r\nthis is not iCalendar\r\n")
    assert broken.status_code == 400
    no_start = put(server, url + "nostart.ics", ical("ns-1").replace(
        "DTSTART;TZID=Europe/Berlin:20260601T090000\r\n", ""))
    assert no_start.status_code == 400
    todo = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VTODO\r\nUID:t-1\r\n"
            "DTSTAMP:20260101T000000Z\r\nSUMMARY:task\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
    component = put(server, url + "todo.ics", todo)
    assert component.status_code == 403 and "supported-calendar-component" in component.text
    duplicate = put(server, url + "other-name.ics", ical(uid, "Copy"))
    assert duplicate.status_code == 409 and "no-uid-conflict" in duplicate.text

    writes = {"events.insert", "events.patch", "events.update", "events.delete"}
    assert not writes & set(control.calls())
    assert len(svc.events().list(calendarId=cal).execute()["items"]) == 1
    assert len(server.sync_collection(url)[1]) == 1


def test_rate_limit_and_google_failure_become_503_and_502(bridge, svc, control):
    server, cal, url = bridge
    waits = []
    server.bridge.settings.sleep = waits.append          # retries back off without waiting
    control.post("/faults", {"kind": "error", "status": 403, "reason": "quotaExceeded",
                             "method": "events.insert"})
    uid = str(uuid.uuid4())
    answer = put(server, url + f"{uid}.ics", ical(uid))
    assert answer.status_code == 503 and answer.headers.get("Retry-After")
    control.post("/faults", {"kind": "error", "status": 500, "method": "events.insert",
                             "count": 10})
    answer = put(server, url + f"{uid}.ics", ical(uid))
    assert answer.status_code == 502
    assert len(waits) >= 4                              # Google was retried before the 502
    control.request("DELETE", "/faults")
    assert google_events(svc, cal, uid) == []
    assert server.session.get(url + f"{uid}.ics").status_code == 404


def test_a_slow_write_stalls_no_other_calendar(make_bridge, alice, control):
    others = [control.post("/calendars", {"owner": alice["account"], "summary": f"Other {n}"})
              for n in range(2)]
    server = make_bridge(alice)
    url = server.calendar_url(alice["account"])
    control.post("/faults", {"kind": "delay", "seconds": 2.0, "method": "events.insert"})
    uid = str(uuid.uuid4())
    writer = threading.Thread(target=put, args=(server, url + f"{uid}.ics", ical(uid)))
    writer.start()
    time.sleep(0.3)                      # the write is now waiting on Google
    durations = []

    def read(target):
        started = time.monotonic()
        server.ctag(target)
        durations.append(time.monotonic() - started)

    readers = [threading.Thread(target=read, args=(server.calendar_url(others[n % 2]["id"]),))
               for n in range(20)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    still_writing = writer.is_alive()
    writer.join()
    assert still_writing, "the write should still have been waiting on Google"
    assert len(durations) == 20 and max(durations) < 1.0, durations


def test_real_client_flow_keeps_unknown_properties(bridge, svc):
    server, cal, url = bridge
    uid = str(uuid.uuid4())
    calendar = server.client().calendar(url=url)
    event = calendar.save_event(ical(uid, extra="CATEGORIES:Work,Team\r\nX-APPLE-TRAVEL-ADVISORY"
                                                "-BEHAVIOR:AUTOMATIC\r\n"))
    [google] = google_events(svc, cal, uid)
    assert google["summary"] == "Planning"
    event.load()
    component = event.icalendar_component
    assert "Work" in component.to_ical().decode() and \
        "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR" in component
    component["SUMMARY"] = "Planning (room booked)"
    event.save()
    assert google_events(svc, cal, uid)[0]["summary"] == "Planning (room booked)"
    event.load()
    assert "CATEGORIES:Work,Team" in event.data
    event.delete()
    assert google_events(svc, cal, uid)[0]["status"] == "cancelled"


def test_response_etag_only_when_stored_as_sent(bridge):
    server, _, url = bridge
    uid = str(uuid.uuid4())
    created = put(server, url + f"{uid}.ics", ical(uid))
    # Google holds what was sent, so the bytes are kept and the ETag given (RFC 4791 §5.3.4;
    # the case of a stored text that differs: test_writes_client_bytes.py).
    assert created.status_code == 201 and created.headers.get("ETag")
    stored = server.session.get(url + f"{uid}.ics")
    assert stored.headers["ETag"] == created.headers["ETag"]
    again = put(server, url + f"{uid}.ics", stored.text, **{"If-Match": stored.headers["ETag"]})
    assert again.status_code == 204 and again.headers.get("ETag") == stored.headers["ETag"]


def test_recreating_a_deleted_uid_works(bridge, svc):
    server, cal, url = bridge
    uid = str(uuid.uuid4())
    assert put(server, url + f"{uid}.ics", ical(uid)).status_code == 201
    assert server.session.delete(url + f"{uid}.ics").status_code in (200, 204)
    assert put(server, url + f"{uid}.ics", ical(uid, "Again")).status_code == 201
    events = google_events(svc, cal, uid)
    live = [e for e in events if e["status"] != "cancelled"]
    assert len(events) == 2 and len(live) == 1 and live[0]["summary"] == "Again"


def test_removing_an_override_restores_the_occurrence(bridge, svc):
    server, cal, url = bridge
    uid = str(uuid.uuid4())
    moved = ("BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
             "RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r\n"
             "DTSTART;TZID=Europe/Berlin:20260608T140000\r\n"
             "DTEND;TZID=Europe/Berlin:20260608T150000\r\nSUMMARY:Moved\r\nEND:VEVENT\r\n"
             ).format(uid=uid)
    text = ical(uid, "Weekly", "RRULE:FREQ=WEEKLY;COUNT=3\r\n").replace(
        "END:VCALENDAR", moved + "END:VCALENDAR")
    assert put(server, url + f"{uid}.ics", text).status_code == 201

    def instance_starts():
        master = next(e for e in google_events(svc, cal, uid) if "recurrence" in e)
        items = svc.events().instances(calendarId=cal, eventId=master["id"]).execute()["items"]
        return sorted((i["start"]["dateTime"], i["summary"]) for i in items)

    assert ("2026-06-08T14:00:00+02:00", "Moved") in instance_starts()
    assert put(server, url + f"{uid}.ics", ical(uid, "Weekly", "RRULE:FREQ=WEEKLY;COUNT=3\r\n"),
               ).status_code == 204
    assert instance_starts() == [("2026-06-01T09:00:00+02:00", "Weekly"),
                                 ("2026-06-08T09:00:00+02:00", "Weekly"),
                                 ("2026-06-15T09:00:00+02:00", "Weekly")]
