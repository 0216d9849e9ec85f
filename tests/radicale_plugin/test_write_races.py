"""A client's write and a sync of the same calendar are ordered by the calendar's lease: a PUT
racing syncs is stored at the client's href, answered 201, and lands on Google once."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
         "DTSTAMP:20260101T000000Z\r\nDTSTART:20260601T{hour:02d}0000Z\r\n"
         "DTEND:20260601T{hour:02d}3000Z\r\nSUMMARY:Race {n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def test_puts_racing_syncs_land_at_the_clients_href_once(make_bridge, alice, svc):
    server = make_bridge(alice, freshness=0)
    account = alice["account"]
    url = server.calendar_url(account)
    calendar_id = server.bridge.calendar("alice", url.rstrip("/").rsplit("/", 1)[1]).id
    stop, syncs = threading.Event(), []

    def sync_loop():
        while not stop.is_set():
            server.bridge.engine.sync_calendar(calendar_id)
            syncs.append(1)

    def put(n: int) -> tuple[str, str, int]:
        uid = f"race-{n}-{uuid.uuid4()}@example.com"        # an '@': href_for would differ
        href = f"{uuid.uuid4()}.ics"
        body = EVENT.format(uid=uid, hour=n % 24, n=n).encode()
        answer = server.session.put(url + href, data=body,
                                    headers={"Content-Type": "text/calendar",
                                             "If-None-Match": "*"})
        return uid, href, answer.status_code

    syncer = threading.Thread(target=sync_loop)
    syncer.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(put, range(100)))
    finally:
        stop.set()
        syncer.join(60)
    assert len(syncs) > 1                               # the syncs really interleaved
    assert [status for _, _, status in results] == [201] * 100
    for uid, href, _ in results:
        assert server.session.get(url + href).status_code == 200
        live = [e for e in svc.events().list(calendarId=account, iCalUID=uid).execute()["items"]
                if e.get("status") != "cancelled"]
        assert len(live) == 1, uid
