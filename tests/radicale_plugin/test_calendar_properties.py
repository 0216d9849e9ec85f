"""Calendar properties and calendars over HTTP (a real Radicale with the plugin, the emulator as
Google): PROPPATCH as Apple, Thunderbird and DAVx5 send it, read-only calendars, MKCALENDAR,
DELETE of a calendar collection and MOVE of an event between calendars."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

DAV, CAL, ICAL = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}", "{http://apple.com/ns/ical/}"
NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:A="http://apple.com/ns/ical/"'
BERLIN_TZ = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//macOS 14//EN\r\n"
             "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\n"
             "DTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
             "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n"
             "DTSTART:19700329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
             "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
             "END:VCALENDAR\r\n")
EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
         "DTSTAMP:20260101T000000Z\r\nDTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\n"
         "SUMMARY:Planning\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def proppatch(server, url: str, set_props: str = "", remove_props: str = ""):
    body = f'<?xml version="1.0"?><D:propertyupdate {NS}>'
    if set_props:
        body += f"<D:set><D:prop>{set_props}</D:prop></D:set>"
    if remove_props:
        body += f"<D:remove><D:prop>{remove_props}</D:prop></D:remove>"
    body += "</D:propertyupdate>"
    return server.session.request("PROPPATCH", url, data=body.encode(),
                                  headers={"Content-Type": "application/xml"})


def statuses(response) -> dict[str, str]:
    """{property clark name: status line} of a PROPPATCH multistatus."""
    assert response.status_code == 207, response.text
    out = {}
    for propstat in ET.fromstring(response.content).iter(f"{DAV}propstat"):
        status = propstat.find(f"{DAV}status").text
        for prop in propstat.find(f"{DAV}prop"):
            out[prop.tag] = status
    return out


def props(server, url: str, *names: str) -> dict[str, str | None]:
    body = f'<?xml version="1.0"?><D:propfind {NS}><D:prop>{"".join(names)}</D:prop></D:propfind>'
    tree = server.propfind(url, body)
    out = {}
    for propstat in tree.iter(f"{DAV}propstat"):
        if "200" in propstat.find(f"{DAV}status").text:
            for prop in propstat.find(f"{DAV}prop"):
                out[prop.tag] = prop.text
    return out


def relist(server) -> None:
    """Pick up calendars the test added on Google (the list is otherwise fresh for 30 s)."""
    for account in server.bridge.store.accounts("alice"):
        server.bridge.engine.sync_calendar_list(account.id)


def entry(svc, calendar_id: str) -> dict:
    return svc.calendarList().get(calendarId=calendar_id).execute()


@pytest.fixture
def bridge(make_bridge, alice):
    server = make_bridge(alice)
    return server, alice["account"], server.calendar_url(alice["account"])


@pytest.fixture
def shared(control, alice, new_account):
    """(bob's calendar shared with alice as writer, one shared as reader)."""
    bob = new_account("bob")
    out = []
    for role in ("writer", "reader"):
        cal = control.post("/calendars", {"owner": bob["account"], "summary": f"Bob {role}"})["id"]
        control.post(f"/calendars/{cal}/acl", {"email": alice["account"], "role": role})
        out.append(cal)
    return out


# --- PROPPATCH ----------------------------------------------------------------------------------

def test_apples_first_poll_colour_order_and_zone_all_200_and_kept(bridge, svc):
    server, cal, url = bridge
    answer = proppatch(server, url, "<A:calendar-color>#FF2968FF</A:calendar-color>"
                                    "<A:calendar-order>3</A:calendar-order>"
                                    f"<C:calendar-timezone>{BERLIN_TZ}</C:calendar-timezone>")
    codes = statuses(answer)
    assert codes == {ICAL + "calendar-color": "HTTP/1.1 200 OK",
                     ICAL + "calendar-order": "HTTP/1.1 200 OK",
                     CAL + "calendar-timezone": "HTTP/1.1 200 OK"}
    assert entry(svc, cal)["backgroundColor"] == "#ff2968"
    assert svc.calendars().get(calendarId=cal).execute()["timeZone"] == "Europe/Berlin"
    seen = props(server, url, "<A:calendar-color/>", "<A:calendar-order/>")
    assert seen == {ICAL + "calendar-color": "#ff2968", ICAL + "calendar-order": "3"}
    # The same again costs Google nothing.
    before = server.bridge.store.calendar(server.bridge.calendar("alice", url.split("/")[-2]).id)
    statuses(proppatch(server, url, "<A:calendar-color>#FF2968FF</A:calendar-color>"))
    assert server.bridge.store.calendar(before.id).color == "#ff2968"


def test_rename_and_recolour_an_owned_calendar_like_thunderbird(bridge, svc):
    server, cal, url = bridge
    codes = statuses(proppatch(server, url, "<D:displayname>Home</D:displayname>"
                                            "<A:calendar-color>#3366CC</A:calendar-color>"
                                            "<C:calendar-description>family</C:calendar-"
                                            "description>"))
    assert set(codes.values()) == {"HTTP/1.1 200 OK"}
    google = svc.calendars().get(calendarId=cal).execute()
    assert (google["summary"], google["description"]) == ("Home", "family")
    assert entry(svc, cal)["backgroundColor"] == "#3366cc"
    seen = props(server, url, "<D:displayname/>", "<A:calendar-color/>",
                 "<C:calendar-description/>")
    assert seen == {DAV + "displayname": "Home", ICAL + "calendar-color": "#3366cc",
                    CAL + "calendar-description": "family"}


def test_rename_of_a_shared_calendar_is_the_users_override(bridge, svc, shared):
    server, _, _ = bridge
    writer_cal, _ = shared
    relist(server)
    url = server.calendar_url(writer_cal)
    statuses(proppatch(server, url, "<D:displayname>Bob's, mine</D:displayname>"
                                    "<C:calendar-description>local note</C:calendar-"
                                    "description>"))
    assert entry(svc, writer_cal)["summaryOverride"] == "Bob's, mine"
    assert entry(svc, writer_cal)["summary"] == "Bob writer"        # the owner's title stays
    assert "description" not in svc.calendars().get(calendarId=writer_cal).execute()
    assert props(server, url, "<D:displayname/>", "<C:calendar-description/>") == {
        DAV + "displayname": "Bob's, mine", CAL + "calendar-description": "local note"}


def test_a_custom_zone_and_unknown_properties_are_kept_locally(bridge, svc):
    server, cal, url = bridge
    custom = BERLIN_TZ.replace("Europe/Berlin", "Customized Time Zone")
    codes = statuses(proppatch(server, url, f"<C:calendar-timezone>{custom}</C:calendar-"
                                            "timezone><X:flag xmlns:X=\"urn:x\">on</X:flag>"))
    assert set(codes.values()) == {"HTTP/1.1 200 OK"}
    assert svc.calendars().get(calendarId=cal).execute()["timeZone"] == "UTC"
    seen = props(server, url, "<C:calendar-timezone/>", '<X:flag xmlns:X="urn:x"/>')
    assert seen == {CAL + "calendar-timezone": custom.replace("\r\n", "\n"),
                    "{urn:x}flag": "on"}
    statuses(proppatch(server, url, remove_props='<X:flag xmlns:X="urn:x"/>'))
    assert props(server, url, '<X:flag xmlns:X="urn:x"/>') == {}


def test_bad_colour_is_a_clear_400_and_changes_nothing(bridge, svc):
    server, cal, url = bridge
    before = entry(svc, cal)["backgroundColor"]
    answer = proppatch(server, url, "<A:calendar-color>blue-ish</A:calendar-color>")
    assert answer.status_code == 400 and "calendar-color" in answer.text
    assert entry(svc, cal)["backgroundColor"] == before


def test_read_only_calendar_advertises_no_write_and_refuses_with_need_privileges(
        bridge, shared):
    server, _, _ = bridge
    _, reader_cal = shared
    relist(server)
    url = server.calendar_url(reader_cal)
    tree = server.propfind(url, f'<D:propfind {NS}><D:prop><D:current-user-privilege-set/>'
                                '</D:prop></D:propfind>')
    granted = {p[0].tag for p in tree.iter(f"{DAV}privilege")}
    assert granted == {DAV + "read", CAL + "read-free-busy"}
    answer = proppatch(server, url, "<D:displayname>mine</D:displayname>")
    assert answer.status_code == 403, answer.text
    assert answer.headers["Content-Type"].startswith("application/xml"), answer.content
    assert ET.fromstring(answer.content).find(f"{DAV}need-privileges") is not None


# --- MKCALENDAR -----------------------------------------------------------------------------

def mkcalendar(server, url: str, inner: str = ""):
    body = (f'<?xml version="1.0"?><C:mkcalendar {NS}><D:set><D:prop>{inner}</D:prop></D:set>'
            "</C:mkcalendar>")
    return server.session.request("MKCALENDAR", url, data=body.encode(),
                                  headers={"Content-Type": "application/xml"})


def test_mkcalendar_creates_a_google_calendar_at_the_clients_path(bridge, svc):
    server, _, _ = bridge
    url = f"{server.url}/alice/{uuid.uuid4()}/"
    answer = mkcalendar(server, url, "<D:displayname>Projects</D:displayname>"
                                     "<A:calendar-color>#00AA00FF</A:calendar-color>"
                                     f"<C:calendar-timezone>{BERLIN_TZ}</C:calendar-timezone>"
                                     "<A:calendar-order>7</A:calendar-order>")
    assert answer.status_code == 201, answer.text
    [created] = [e for e in svc.calendarList().list().execute()["items"]
                 if e["summary"] == "Projects"]
    assert (created["accessRole"], created["timeZone"], created["backgroundColor"]) == (
        "owner", "Europe/Berlin", "#00aa00")
    assert props(server, url, "<D:displayname/>", "<A:calendar-order/>") == {
        DAV + "displayname": "Projects", ICAL + "calendar-order": "7"}
    put = server.session.put(url + "e.ics", data=EVENT.format(uid="mk-1").encode(),
                             headers={"Content-Type": "text/calendar"})
    assert put.status_code == 201, put.text
    assert [e["iCalUID"] for e in svc.events().list(calendarId=created["id"]).execute()[
        "items"]] == ["mk-1"]


# --- DELETE of a calendar -----------------------------------------------------------------------

def test_delete_calendar_is_refused_by_default(bridge, svc):
    server, _, _ = bridge
    cal = svc.calendars().insert(body={"summary": "Keep"}).execute()["id"]
    relist(server)
    answer = server.session.delete(server.calendar_url(cal))
    assert answer.status_code == 403 and "allow_calendar_delete" in answer.text
    assert svc.calendars().get(calendarId=cal).execute()["summary"] == "Keep"


def test_delete_calendar_with_the_option_never_the_primary(make_bridge, alice, svc, shared):
    server = make_bridge(alice, allow_calendar_delete="true")
    writer_cal, _ = shared
    own = svc.calendars().insert(body={"summary": "Old"}).execute()["id"]
    relist(server)
    primary = server.calendar_url(alice["account"])
    answer = server.session.delete(primary)
    assert answer.status_code == 403 and "primary" in answer.text
    assert server.session.delete(server.calendar_url(own)).status_code in (200, 204)
    assert own not in server.bridge.store.calendars("alice") and \
        own not in {e["id"] for e in svc.calendarList().list().execute()["items"]}
    with pytest.raises(Exception):
        svc.calendars().get(calendarId=own).execute()
    shared_url = server.calendar_url(writer_cal)
    assert server.session.delete(shared_url).status_code in (200, 204)
    assert writer_cal not in {e["id"] for e in svc.calendarList().list().execute()["items"]}
    assert svc.events().list(calendarId=writer_cal).execute()["accessRole"] == "writer"
    assert server.session.request("PROPFIND", shared_url,
                                  headers={"Depth": "0"}).status_code == 404


# --- MOVE -----------------------------------------------------------------------------------

def test_move_between_calendars_of_one_account_is_events_move(bridge, svc, control):
    server, cal, url = bridge
    target = svc.calendars().insert(body={"summary": "Target"}).execute()["id"]
    relist(server)
    target_url = server.calendar_url(target)
    assert server.session.put(url + "m.ics", data=EVENT.format(uid="move-1").encode(),
                              headers={"Content-Type": "text/calendar"}).status_code == 201
    [before] = svc.events().list(calendarId=cal, iCalUID="move-1").execute()["items"]
    control.post("/stats/reset")
    answer = server.session.request("MOVE", url + "m.ics",
                                    headers={"Destination": target_url + "moved.ics"})
    assert answer.status_code in (201, 204), answer.text
    assert control.calls().get("events.move") == 1
    assert not control.calls().get("events.insert") and not control.calls().get("events.delete")
    [after] = svc.events().list(calendarId=target, iCalUID="move-1").execute()["items"]
    assert after["id"] == before["id"]
    assert svc.events().list(calendarId=cal, iCalUID="move-1").execute()["items"] == []
    assert server.session.get(url + "m.ics").status_code == 404
    moved = server.session.get(target_url + "moved.ics")
    assert moved.status_code == 200 and "UID:move-1" in moved.text


def test_move_across_google_accounts_is_a_clear_403(make_bridge, alice, new_account, svc,
                                                     service_for, tmp_path):
    server = make_bridge(alice)
    other = new_account("carol")
    credentials = tmp_path / "carol.json"
    credentials.write_text(__import__("json").dumps(other))
    server.bridge.link("alice", str(credentials))
    url, other_url = server.calendar_url(alice["account"]), server.calendar_url(other["account"])
    assert server.session.put(url + "x.ics", data=EVENT.format(uid="move-2").encode(),
                              headers={"Content-Type": "text/calendar"}).status_code == 201
    answer = server.session.request("MOVE", url + "x.ics",
                                    headers={"Destination": other_url + "x.ics"})
    assert answer.status_code == 403 and "different Google accounts" in answer.text
    assert server.session.get(url + "x.ics").status_code == 200
    assert service_for(other).events().list(calendarId=other["account"]).execute()[
        "items"] == []
