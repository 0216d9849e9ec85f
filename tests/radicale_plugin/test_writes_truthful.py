"""Every write's answer says what happened on Google, and no write ends in a 500: lost replies
on create, modify and delete are looked up before answering (exactly one event on Google), a
delete Google answers 404 leaves bridge and Google agreeing, a UID can be re-created without
limit (at most one extra Google call), also under another href. Over HTTP, emulator faults."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import text

from bridge.write import inserts

EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Berlin:20260601T090000\r
DTEND;TZID=Europe/Berlin:20260601T100000\r
SUMMARY:{summary}\r
END:VEVENT\r
END:VCALENDAR\r
"""


def ical(uid: str, summary: str = "Planning") -> str:
    return EVENT.format(uid=uid, summary=summary)


def put(server, url: str, text: str, **headers):
    return server.session.put(url, data=text.encode(),
                              headers={"Content-Type": "text/calendar", **headers})


def on_google(svc, cal: str, uid: str) -> list[dict]:
    return svc.events().list(calendarId=cal, iCalUID=uid, showDeleted=True).execute()["items"]


def live(events: list[dict]) -> list[dict]:
    return [e for e in events if e["status"] != "cancelled"]


@pytest.fixture
def rig(make_bridge, alice):
    server = make_bridge(alice)
    return server, alice["account"], server.calendar_url(alice["account"])


# --- lost replies -----------------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 10])        # 10: every retry's reply lost as well
def test_a_create_whose_replies_are_lost_is_a_success_with_one_event(rig, svc, control, count):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    control.post("/faults", {"kind": "lose_reply", "method": "events.insert", "count": count})
    answer = put(server, url + f"{uid}.ics", ical(uid), **{"If-None-Match": "*"})
    assert answer.status_code == 201, answer.text
    assert len(live(on_google(svc, cal, uid))) == 1
    assert server.session.get(url + f"{uid}.ics").status_code == 200


@pytest.mark.parametrize("count", [1, 10])
def test_a_modify_whose_replies_are_lost_is_a_success(rig, svc, control, count):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    etag = put(server, url + f"{uid}.ics", ical(uid)).headers["ETag"]
    control.post("/faults", {"kind": "lose_reply", "method": "events.patch", "count": count})
    answer = put(server, url + f"{uid}.ics", ical(uid, "Renamed"), **{"If-Match": etag})
    assert answer.status_code == 204, answer.text
    [event] = on_google(svc, cal, uid)
    assert event["summary"] == "Renamed"
    assert "SUMMARY:Renamed" in server.session.get(url + f"{uid}.ics").text
    # The client's retry (it may not trust the first answer) changes nothing and succeeds.
    retry = put(server, url + f"{uid}.ics", ical(uid, "Renamed"))
    assert retry.status_code == 204


@pytest.mark.parametrize("count", [1, 10])
def test_a_delete_whose_replies_are_lost_is_a_success(rig, svc, control, count):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    etag = put(server, url + f"{uid}.ics", ical(uid)).headers["ETag"]
    control.post("/faults", {"kind": "lose_reply", "method": "events.delete", "count": count})
    answer = server.session.delete(url + f"{uid}.ics", headers={"If-Match": etag})
    assert answer.status_code in (200, 204), answer.text
    assert [e["status"] for e in on_google(svc, cal, uid)] == ["cancelled"]
    assert server.session.get(url + f"{uid}.ics").status_code == 404


def test_a_delete_google_answers_404_for_leaves_both_sides_agreeing(rig, svc, control,
                                                                    caplog):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    put(server, url + f"{uid}.ics", ical(uid))
    control.post("/faults", {"kind": "error", "status": 404, "reason": "notFound",
                             "method": "events.delete"})
    caplog.set_level(logging.INFO, logger="radicale")
    answer = server.session.delete(url + f"{uid}.ics")
    assert answer.status_code == 502, answer.text            # Google still holds it
    assert len(live(on_google(svc, cal, uid))) == 1
    assert server.session.get(url + f"{uid}.ics").status_code == 200
    # A refusal, logged as one line: no traceback, not an error.
    assert any("Refused 502" in r.getMessage() for r in caplog.records)
    assert any("DELETE response status" in r.getMessage() and "502" in r.getMessage()
               for r in caplog.records)
    assert not any(r.exc_info or r.levelno >= logging.ERROR or "Traceback" in r.getMessage()
                   for r in caplog.records), \
        [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# --- re-creating a UID -------------------------------------------------------------------------

def test_a_deleted_uid_recreated_under_another_href_lives_there(rig, svc):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    assert put(server, url + "first.ics", ical(uid)).status_code == 201
    assert server.session.delete(url + "first.ics").status_code in (200, 204)
    again = put(server, url + "second.ics", ical(uid, "Again"), **{"If-None-Match": "*"})
    assert again.status_code == 201, again.text
    assert server.session.get(url + "second.ics").status_code == 200
    assert server.session.get(url + "first.ics").status_code == 404
    assert [e["summary"] for e in live(on_google(svc, cal, uid))] == ["Again"]
    # Retrying is harmless: the resource is there, an unchanged PUT is a no-op.
    assert put(server, url + "second.ics", ical(uid, "Again")).status_code == 204


def test_a_uid_recreated_25_times_costs_one_insert_each(rig, svc, control):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    for round_ in range(25):
        control.post("/stats/reset")
        created = put(server, url + f"{uid}.ics", ical(uid, f"Round {round_}"))
        assert created.status_code == 201, (round_, created.text)
        calls = control.calls()
        assert calls.get("events.insert") == 1 and "events.get" not in calls, calls
        assert server.session.delete(url + f"{uid}.ics").status_code in (200, 204)
    assert len(on_google(svc, cal, uid)) == 25 and live(on_google(svc, cal, uid)) == []


def test_after_a_restart_a_recreated_uid_costs_one_extra_call(rig, svc, control):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    for _ in range(3):
        put(server, url + f"{uid}.ics", ical(uid))
        server.session.delete(url + f"{uid}.ics")
    server.bridge.writer.generations = inserts.Generations()     # what a restart forgets
    control.post("/stats/reset")
    assert put(server, url + f"{uid}.ics", ical(uid, "Back")).status_code == 201
    calls = control.calls()
    assert calls.get("events.insert") == 1, calls
    assert calls.get("events.list", 0) >= 1 and "events.get" not in calls
    assert [e["summary"] for e in live(on_google(svc, cal, uid))] == ["Back"]


def test_a_uid_deleted_on_google_alone_is_recreated_with_one_listing(rig, svc, control):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    put(server, url + f"{uid}.ics", ical(uid))
    [event] = on_google(svc, cal, uid)
    server.session.delete(url + f"{uid}.ics")
    server.bridge.writer.generations = inserts.Generations()
    # The store never saw it deleted (another bridge, a database restored from backup).
    with server.bridge.store.write() as tx:
        tx.conn.execute(text("DELETE FROM items WHERE uid = :uid"), {"uid": uid})
    control.post("/stats/reset")
    assert put(server, url + f"{uid}.ics", ical(uid, "Back")).status_code == 201
    calls = control.calls()
    assert calls.get("events.insert") == 2 and "events.get" not in calls, calls
    assert event["id"] != live(on_google(svc, cal, uid))[0]["id"]
