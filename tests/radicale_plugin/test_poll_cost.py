"""What clients ask on every poll costs the same whatever the calendar's size: a depth-0
PROPFIND for getctag + sync-token reads no resource (Radicale asks ``sync()`` for the token
and throws the hrefs away; ours are listed lazily, so they are never read)."""

from __future__ import annotations

from bridge.store import request_reads

POLL = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/'
        'ns/"><D:prop><CS:getctag/><D:sync-token/></D:prop></D:propfind>')
EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{n}\r\n"
         "DTSTAMP:20260101T000000Z\r\nDTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\n"
         "SUMMARY:e{n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_ctag_and_sync_token_poll_lists_no_resource(make_bridge, alice, monkeypatch):
    server = make_bridge(alice)
    url = server.calendar_url(alice["account"])
    for n in range(3):
        assert server.session.put(f"{url}{n}.ics", data=EVENT.format(n=n).encode(),
                                  headers={"Content-Type": "text/calendar"}).status_code == 201
    store, listed = server.bridge.store, []
    for owner, name in ((store, "all_items"), (store, "live_hrefs"), (store, "items"),
                        (store, "changed_since"), (request_reads, "items")):
        original = getattr(owner, name)
        monkeypatch.setattr(owner, name, lambda *a, _o=original, _n=name, **k: (
            listed.append(_n), _o(*a, **k))[1])
    tree = server.propfind(url, POLL)
    token = tree.find(".//{DAV:}sync-token").text
    assert tree.find(".//{http://calendarserver.org/ns/}getctag").text
    assert listed == []
    # The token is the one sync-collection answers, and it works.
    assert server.sync_collection(url, "")[0] == token
    assert server.sync_collection(url, token) == (token, {})
