"""The server sends a small answer (a GET of one resource) in one write to the socket, not
one per header line, and a large one arrives whole and byte for byte."""

from __future__ import annotations

import socket
import threading

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
         "DTSTAMP:20260101T000000Z\r\nDTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\n"
         "SUMMARY:{uid}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n")


def counting_sends(monkeypatch) -> list[int]:
    """Bytes of each send the server's request workers make (the test's client is not one)."""
    sent: list[int] = []
    for name in ("send", "sendall"):
        original = getattr(socket.socket, name)

        def wrapper(self, data, *args, _original=original):
            if threading.current_thread().name.startswith("gcaldav-worker"):
                sent.append(len(data))
            return _original(self, data, *args)
        monkeypatch.setattr(socket.socket, name, wrapper)
    return sent


def test_a_small_answer_is_one_send_and_a_large_one_arrives_whole(make_bridge, alice,
                                                                   monkeypatch):
    server = make_bridge(alice, freshness=3600)
    url = server.calendar_url(alice["account"])
    description = "x" * 36_000         # folded into 600 lines: a ~37 kB answer
    large = EVENT.format(uid="large", extra="DESCRIPTION:" + "\r\n ".join(
        description[n:n + 60] for n in range(0, len(description), 60)) + "\r\n")
    for uid, text in (("small", EVENT.format(uid="small", extra="")), ("large", large)):
        assert server.session.put(f"{url}{uid}.ics", data=text,
                                  headers={"Content-Type": "text/calendar"}).status_code == 201
    sent = counting_sends(monkeypatch)
    answer = server.session.get(f"{url}small.ics")
    assert answer.status_code == 200 and "UID:small\r\n" in answer.text
    assert len(sent) == 1 and sent[0] > len(answer.content), sent      # headers and body
    sent.clear()
    answer = server.session.get(f"{url}large.ics", headers={"Accept-Encoding": "identity"})
    assert answer.status_code == 200 and description in answer.text.replace("\r\n ", "")
    assert sum(sent) > len(answer.content) > len(description) and len(sent) <= 3, sent
