"""The calendar home as Apple's clients use it, over HTTP: sync-collection advertised and
answered on /<user>/, and calendar-user-address-set naming the user's Google addresses."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests

DAV, CAL = "{DAV:}", "{urn:ietf:params:xml:ns:caldav}"


def home_sync(server, token: str = "", session=None):
    body = ('<?xml version="1.0"?><sync-collection xmlns="DAV:">'
            f"<sync-token>{token}</sync-token><sync-level>1</sync-level>"
            "<prop><getetag/><displayname/><resourcetype/></prop></sync-collection>")
    return (session or server.session).request(
        "REPORT", f"{server.url}/alice/", data=body.encode(),
        headers={"Content-Type": "application/xml", "Depth": "1"})


def changes(response) -> tuple[str, dict[str, str | int]]:
    """(token, {href: displayname, or 404})."""
    assert response.status_code == 207, response.text
    tree = ET.fromstring(response.content)
    out = {}
    for node in tree.findall(f"{DAV}response"):
        name = node.find(f".//{DAV}displayname")
        out[node.find(f"{DAV}href").text] = name.text if name is not None else 404
    return tree.find(f"{DAV}sync-token").text, out


def relist(server) -> None:
    for account in server.bridge.store.accounts("alice"):
        server.bridge.engine.sync_calendar_list(account.id)


@pytest.fixture
def server(make_bridge, alice):
    return make_bridge(alice, allow_calendar_delete="true")


def test_the_home_advertises_sync_collection_and_a_sync_token(server):
    tree = server.propfind(f"{server.url}/alice/",
                           '<propfind xmlns="DAV:"><prop><supported-report-set/><sync-token/>'
                           "</prop></propfind>")
    [home] = tree.findall(f"{DAV}response")
    reports = {r.tag for r in home.find(f".//{DAV}supported-report-set").iter()
               if r.tag.startswith(DAV) and r.tag not in (DAV + "supported-report",
                                                          DAV + "report",
                                                          DAV + "supported-report-set")}
    assert DAV + "sync-collection" in reports
    token = home.find(f".//{DAV}sync-token").text
    assert token == changes(home_sync(server))[0]


def test_home_sync_reports_added_changed_and_removed_calendars(server, alice, svc):
    primary = server.calendar_url(alice["account"]).removeprefix(server.url)
    token, first = changes(home_sync(server))
    assert first == {primary: alice["account"]}
    assert changes(home_sync(server, token)) == (token, {})

    rename = server.session.request(
        "PROPPATCH", server.url + primary, headers={"Content-Type": "application/xml"},
        data=b'<propertyupdate xmlns="DAV:"><set><prop><displayname>Me</displayname></prop>'
             b"</set></propertyupdate>")
    assert rename.status_code == 207
    token, renamed = changes(home_sync(server, token))
    assert renamed == {primary: "Me"}

    created = svc.calendars().insert(body={"summary": "Side"}).execute()["id"]
    relist(server)
    side = server.calendar_url(created).removeprefix(server.url)
    token, added = changes(home_sync(server, token))
    assert added == {side: "Side"}

    assert server.session.delete(server.url + side).status_code in (200, 204)
    token, removed = changes(home_sync(server, token))
    assert removed == {side: 404}


def test_home_sync_refuses_a_foreign_token_and_strangers(server):
    answer = home_sync(server, "http://radicale.org/ns/sync/home-garbage")
    assert answer.status_code == 403
    assert ET.fromstring(answer.content).find(f"{DAV}valid-sync-token") is not None
    assert home_sync(server, session=requests.Session()).status_code == 401


def test_calendar_user_address_set_names_the_google_addresses(server, alice, svc):
    owned = svc.calendars().insert(body={"summary": "Owned"}).execute()["id"]
    relist(server)
    tree = server.propfind(f"{server.url}/alice/",
                           '<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                           "<prop><C:calendar-user-address-set/></prop></propfind>")
    hrefs = [h.text for h in tree.find(f".//{CAL}calendar-user-address-set")]
    assert "/alice/" in hrefs
    assert f"mailto:{alice['account']}" in hrefs and f"mailto:{owned}" in hrefs
    # Depth 1 from the home: the home's answer carries them, the calendars' do not.
    tree = server.propfind(f"{server.url}/alice/",
                           '<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                           "<prop><C:calendar-user-address-set/></prop></propfind>", depth="1")
    with_addresses = [r.find(f"{DAV}href").text for r in tree.findall(f"{DAV}response")
                      if r.find(f".//{CAL}calendar-user-address-set/{DAV}href") is not None]
    assert with_addresses == ["/alice/"]


def test_properties_apple_sets_on_the_home_are_kept(server):
    alarm = "BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\nEND:VALARM"
    answer = server.session.request(
        "PROPPATCH", f"{server.url}/alice/", headers={"Content-Type": "application/xml"},
        data=('<propertyupdate xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><set><prop>'
              f"<C:default-alarm-vevent-datetime>{alarm}</C:default-alarm-vevent-datetime>"
              "</prop></set></propertyupdate>").encode())
    assert answer.status_code == 207 and "200 OK" in answer.text, answer.text
    tree = server.propfind(f"{server.url}/alice/",
                           '<propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                           "<prop><C:default-alarm-vevent-datetime/></prop></propfind>")
    assert tree.find(f".//{CAL}default-alarm-vevent-datetime").text == alarm
