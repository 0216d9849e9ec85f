"""Real-world calendar files through the write path, over HTTP against the emulator: shapes
Google can hold cost no Google write when PUT again; shapes it cannot are refused before any
Google call with a 400 that names the property."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

WRITES = ("events.insert", "events.patch", "events.update", "events.delete", "events.import")

HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
TAIL = "END:VCALENDAR\r\n"


def vevent(uid: str, body: str) -> str:
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{body}END:VEVENT\r\n"


def writes(control) -> int:
    calls = control.calls()
    return sum(calls.get(name, 0) for name in WRITES)


def put(server, url: str, text: str, **headers):
    return server.session.put(url, data=text.encode(),
                              headers={"Content-Type": "text/calendar", **headers})


def on_google(svc, cal: str, uid: str, **query) -> list[dict]:
    return svc.events().list(calendarId=cal, iCalUID=uid, **query).execute()["items"]


@pytest.fixture
def rig(make_bridge, alice):
    server = make_bridge(alice)
    return server, alice["account"], server.calendar_url(alice["account"])


SERIES = ("DTSTART;TZID=Europe/Berlin:20260601T090000\r\n"
          "DTEND;TZID=Europe/Berlin:20260601T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n"
          "SUMMARY:Weekly\r\n")


def assert_repeats_free(server, control, url: str, text: str) -> None:
    """PUT again as sent, and the server's copy PUT back: no Google write either time."""
    before = writes(control)
    assert put(server, url, text).status_code == 204
    assert put(server, url, server.session.get(url).text).status_code == 204
    assert writes(control) == before


# --- shapes Google holds: no write on an identical PUT ----------------------------------------

def test_a_zero_length_all_day_event_is_one_day_and_not_patched_again(rig, svc, control):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    text = HEAD + vevent(uid, "DTSTART;VALUE=DATE:20260601\r\nDTEND;VALUE=DATE:20260601\r\n"
                              "SUMMARY:Holiday\r\n") + TAIL
    assert put(server, url + "z.ics", text).status_code == 201
    [event] = on_google(svc, cal, uid)
    assert (event["start"], event["end"]) == ({"date": "2026-06-01"}, {"date": "2026-06-02"})
    assert_repeats_free(server, control, url + "z.ics", text)


def test_a_cancelled_override_is_one_write_and_none_again(rig, svc, control):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    text = HEAD + vevent(uid, SERIES) + vevent(uid, (
        "RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r\n"
        "DTSTART;TZID=Europe/Berlin:20260608T090000\r\n"
        "DTEND;TZID=Europe/Berlin:20260608T100000\r\nSUMMARY:Weekly\r\nSTATUS:CANCELLED\r\n")) \
        + TAIL
    before = writes(control)
    assert put(server, url + "c.ics", text).status_code == 201
    assert writes(control) == before + 1
    starts = [i["start"]["dateTime"] for i in on_google(svc, cal, uid, singleEvents=True)]
    assert "2026-06-08T09:00:00+02:00" not in starts and len(starts) == 3
    assert_repeats_free(server, control, url + "c.ics", text)


def test_the_same_attendee_twice_is_not_patched_again(rig, svc, control):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    text = HEAD + vevent(uid, "DTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\n"
                              "SUMMARY:Meet\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@example.com\r\n"
                              "ATTENDEE;CN=Ana:mailto:Ana@Example.com\r\n") + TAIL
    assert put(server, url + "a.ics", text).status_code == 201
    assert [a["email"] for a in on_google(svc, cal, uid)[0]["attendees"]] == ["ana@example.com"]
    assert_repeats_free(server, control, url + "a.ics", text)


@pytest.mark.parametrize("rid", ["RECURRENCE-ID;VALUE=DATE:20260608",
                                 "RECURRENCE-ID:20260608T070000Z"],
                         ids=["DATE for a timed series", "UTC for a zoned series"])
def test_a_recurrence_id_of_another_value_type_moves_the_right_instance(rig, svc, control, rid):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    text = HEAD + vevent(uid, SERIES) + vevent(uid, (
        f"{rid}\r\nDTSTART;TZID=Europe/Berlin:20260608T140000\r\n"
        "DTEND;TZID=Europe/Berlin:20260608T150000\r\nSUMMARY:Moved\r\n")) + TAIL
    answer = put(server, url + "r.ics", text)
    assert answer.status_code == 201, answer.text
    moved = {i["start"]["dateTime"]: i.get("summary")
             for i in on_google(svc, cal, uid, singleEvents=True)}
    assert moved.get("2026-06-08T14:00:00+02:00") == "Moved" and len(moved) == 4
    assert_repeats_free(server, control, url + "r.ics", text)


def test_customised_zones_of_the_same_name_from_two_clients_each_keep_their_offset(rig, svc):
    server, cal, url = rig
    # A TZID of this test's own: the server shares the test process, and icalendar's
    # process-wide cache would hand this definition to the corpus' "Customized Time Zone".

    def custom(offset: str) -> str:
        return ("BEGIN:VTIMEZONE\r\nTZID:Customized Time Zone (edge cases)\r\n"
                "BEGIN:STANDARD\r\n"
                f"DTSTART:16010101T000000\r\nTZOFFSETFROM:{offset}\r\nTZOFFSETTO:{offset}\r\n"
                "END:STANDARD\r\nEND:VTIMEZONE\r\n")
    for offset, utc in (("+0530", "03:30"), ("-0300", "12:00")):
        uid = str(uuid.uuid4())
        text = HEAD + custom(offset) + vevent(uid, (
            "DTSTART;TZID=Customized Time Zone (edge cases):20260601T090000\r\n"
            "DTEND;TZID=Customized Time Zone (edge cases):20260601T100000\r\nSUMMARY:Call\r\n")) + TAIL
        assert put(server, url + f"{uid}.ics", text).status_code == 201
        [event] = on_google(svc, cal, uid)
        start = dt.datetime.fromisoformat(event["start"]["dateTime"])
        assert start.astimezone(dt.timezone.utc).strftime("%H:%M") == utc, (offset, event)


# --- shapes refused before any Google call -------------------------------------------------------

REFUSED = {
    "DTEND": "DTSTART:20260601T100000Z\r\nDTEND:20260601T090000Z\r\nSUMMARY:Backwards\r\n",
    "DURATION": "DTSTART:20260601T100000Z\r\nDURATION:-PT1H\r\nSUMMARY:Negative\r\n",
    "RRULE": ("DTSTART:20260601T100000Z\r\nDTEND:20260601T110000Z\r\nSUMMARY:Bad rule\r\n"
              "RRULE:FREQ=DAILY;COUNT=-1;UNTIL=20260701T000000Z\r\n"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_impossible_event_is_refused_naming_the_property_before_google(rig, svc, control,
                                                                           name):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    before = writes(control)
    answer = put(server, url + "x.ics", HEAD + vevent(uid, REFUSED[name]) + TAIL)
    assert answer.status_code == 400 and name in answer.text, answer.text
    assert writes(control) == before and on_google(svc, cal, uid) == []


OVERRIDES = {
    "RANGE=THISANDFUTURE": ("RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:"
                            "20260608T090000\r\nDTSTART;TZID=Europe/Berlin:20260608T110000\r\n"
                            "DTEND;TZID=Europe/Berlin:20260608T120000\r\nSUMMARY:Later\r\n"),
    "all-day": ("RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r\n"
                "DTSTART;VALUE=DATE:20260608\r\nDTEND;VALUE=DATE:20260609\r\nSUMMARY:All day\r\n"),
    "same RECURRENCE-ID": ("RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000\r\n"
                           "DTSTART;TZID=Europe/Berlin:20260608T110000\r\n"
                           "DTEND;TZID=Europe/Berlin:20260608T120000\r\nSUMMARY:Twice\r\n"),
}


@pytest.mark.parametrize("name", sorted(OVERRIDES))
def test_an_override_google_cannot_hold_is_refused_naming_it_before_google(rig, svc, control,
                                                                           name):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    overrides = vevent(uid, OVERRIDES[name]) * (2 if name == "same RECURRENCE-ID" else 1)
    before = writes(control)
    answer = put(server, url + "o.ics", HEAD + vevent(uid, SERIES) + overrides + TAIL)
    assert answer.status_code == 400 and name in answer.text, answer.text
    assert writes(control) == before and on_google(svc, cal, uid) == []


def test_an_override_of_no_occurrence_is_a_clear_400(rig, svc, control):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    text = HEAD + vevent(uid, SERIES) + vevent(uid, (
        "RECURRENCE-ID;TZID=Europe/Berlin:20260609T090000\r\n"     # a Tuesday: no occurrence
        "DTSTART;TZID=Europe/Berlin:20260609T110000\r\n"
        "DTEND;TZID=Europe/Berlin:20260609T120000\r\nSUMMARY:Nowhere\r\n")) + TAIL
    answer = put(server, url + "n.ics", text)
    assert answer.status_code == 400 and "RECURRENCE-ID" in answer.text, answer.text
    assert [e for e in on_google(svc, cal, uid) if e["status"] != "cancelled"] == []
