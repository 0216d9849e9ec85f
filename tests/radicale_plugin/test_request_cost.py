"""What the requests clients repeat cost in database statements, over HTTP: a GET of one
resource is one query (the calendar, whether it is served, its account's sign-in state and
the resource together), a multiget two, a depth-0 PROPFIND one; the user is looked up once
per process. And the one-query look-up still serves a calendar two accounts list from one
of them only."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager

from sqlalchemy import event

from tests.bench.bench_radicale import multiget

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
         "DTSTAMP:20260101T000000Z\r\nDTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\n"
         "SUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
CTAG = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/'
        'ns/"><D:prop><CS:getctag/><D:sync-token/></D:prop></D:propfind>')


@contextmanager
def statements_of_requests(store):
    """SQL statements run by the server's request threads (not by background syncs)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name.startswith("gcaldav-worker"):
            seen.append(statement)
    event.listen(store.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", note)


def test_repeated_requests_cost_one_query_each(make_bridge, alice):
    server = make_bridge(alice, freshness=3600)
    url = server.calendar_url(alice["account"])
    path = url.removeprefix(server.url)
    for uid in ("a", "b", "c"):
        assert server.session.put(f"{url}{uid}.ics", data=EVENT.format(uid=uid),
                                  headers={"Content-Type": "text/calendar"}).status_code == 201
    assert server.session.get(f"{url}a.ics").status_code == 200     # the user is known now
    store = server.bridge.store

    with statements_of_requests(store) as seen:
        response = server.session.get(f"{url}b.ics")
    assert response.status_code == 200 and "UID:b\r\n" in response.text
    assert len(seen) == 1, seen

    with statements_of_requests(store) as seen:
        assert server.session.get(f"{url}missing.ics").status_code == 404
    assert len(seen) == 1, seen

    with statements_of_requests(store) as seen:
        response = server.session.request(
            "REPORT", url, data=multiget([f"{path}{u}.ics" for u in ("a", "c", "zz")]),
            headers={"Depth": "1", "Content-Type": "text/xml"})
    assert response.status_code == 207
    assert "UID:a\r\n" in response.text and "UID:c\r\n" in response.text
    assert len(seen) == 2, seen

    with statements_of_requests(store) as seen:
        tree = server.propfind(url, CTAG)
    assert tree.find(".//{DAV:}sync-token").text
    assert len(seen) == 1, seen


def test_a_calendar_two_accounts_list_is_served_at_one_url_only(make_bridge, new_account,
                                                                 control, tmp_path):
    home, work = new_account("home"), new_account("work")
    family = control.post("/calendars", {"owner": home["account"], "summary": "Family"})["id"]
    control.post(f"/calendars/{family}/acl", {"email": work["account"], "role": "reader"})
    control.post(f"/calendars/{family}/events", {
        "summary": "Picnic", "iCalUID": "picnic", "start": {"dateTime": "2026-06-01T09:00:00Z"},
        "end": {"dateTime": "2026-06-01T10:00:00Z"}})
    server = make_bridge(home, freshness=3600)
    credentials = tmp_path / "work.json"
    credentials.write_text(json.dumps(work))
    server.bridge.link("alice", str(credentials))
    copies = {c.access_role: c for c in server.bridge.store.calendars("alice")
              if c.google_id == family}
    assert set(copies) == {"owner", "reader"}
    href = next(i.href for i in server.bridge.all_items(copies["owner"].id))
    served = server.session.get(f"{server.url}/alice/{copies['owner'].slug}/{href}")
    assert served.status_code == 200 and "SUMMARY:Picnic" in served.text
    other = server.session.get(f"{server.url}/alice/{copies['reader'].slug}/{href}")
    assert other.status_code == 404
