"""Limits at the door, against a real bridge server over raw sockets: bodies refused before
they are read, bad headers answered 400, stalled and idle clients timed out, a full worker
pool answered 503, XML bombs refused — each quickly, and the server keeps serving."""

from __future__ import annotations

import base64
import re
import socket
import time

import pytest

AUTH = "Basic " + base64.b64encode(b"alice:secret").decode()
PROPFIND = '<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>'
HEADER_TIMEOUT = 2.0


@pytest.fixture
def server(make_bridge, alice):
    """A bridge whose [server] limits are small enough to reach in a test."""
    bridge = make_bridge(alice)
    text = bridge.config_path.read_text().replace(
        "[server]\n", "[server]\nmax_content_length = 5000000\ntimeout = 1\n"
                      "max_connections = 2\n", 1).replace(
        "[storage]\n", f"[storage]\nheader_timeout = {HEADER_TIMEOUT}\n", 1)
    bridge.config_path.write_text(text)
    return bridge.restart()


def address(server) -> tuple[str, int]:
    return server.server.server_address[:2]


def exchange(server, head: str, body: bytes = b"", *, timeout: float = 10) -> tuple[int, str]:
    """Send a raw request; answer (status, whole response text)."""
    with socket.create_connection(address(server), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        return read_answer(sock)


def read_answer(sock) -> tuple[int, str]:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    assert match, data[:200]
    return int(match.group(1)), data.decode("latin-1")


def request(method: str, path: str, *headers: str) -> str:
    return f"{method} {path} HTTP/1.1\r\nHost: x\r\n" + "".join(h + "\r\n" for h in headers)


def test_unauthenticated_huge_put_refused_before_the_body(server):
    started = time.monotonic()
    status, text = exchange(server, request("PUT", "/alice/x/a.ics",
                                            "Content-Length: 400000000"))
    assert status == 401 and "WWW-Authenticate" in text
    assert time.monotonic() - started < 5       # nothing of 400 MB was waited for


def test_oversized_body_gets_413_before_it_is_read(server):
    status, _ = exchange(server, request("PUT", "/alice/x/a.ics", f"Authorization: {AUTH}",
                                         "Content-Length: 5000001"))
    assert status == 413


@pytest.mark.parametrize("value", ["abc", "1e3", "1" * 23, "-5", "12 34"])
def test_bad_content_length_is_400(server, value):
    status, text = exchange(server, request("PROPFIND", "/alice/", f"Authorization: {AUTH}",
                                            f"Content-Length: {value}"))
    assert status == 400 and "Content-Length" in text


@pytest.mark.parametrize("header", ["Basic !!!notbase64", "Basic " +
                                    base64.b64encode(b"no-colon").decode(), "Basic " +
                                    base64.b64encode(b"\xff\xfe:x").decode()])
def test_malformed_basic_credentials_are_400(server, header):
    status, _ = exchange(server, request("PROPFIND", "/alice/", f"Authorization: {header}",
                                         "Depth: 0", "Content-Length: 0"))
    assert status == 400


def test_a_put_of_too_many_lines_is_refused_before_parsing(server, alice):
    """Twenty-five thousand short properties: 300 kB, under the byte limits, but seconds of
    parsing (minutes at a million); refused unparsed."""
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:lines\r\n"
            "DTSTART:20260101T000000Z\r\n" + "".join(f"X-P{n}:v\r\n" for n in range(25_000))
            + "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    started = time.monotonic()
    answer = server.session.put(server.calendar_url(alice["account"]) + "lines.ics", data=body,
                                headers={"Content-Type": "text/calendar"})
    assert answer.status_code == 413 and "lines per resource" in answer.text
    assert time.monotonic() - started < 5       # not after seconds of parsing


def test_a_put_beyond_one_resources_size_is_refused_before_the_body(server):
    started = time.monotonic()
    status, text = exchange(server, request("PUT", "/alice/x/a.ics", f"Authorization: {AUTH}",
                                            "Content-Length: 1000001"))
    assert status == 413 and "limit: resource size" in text
    assert time.monotonic() - started < 5           # nothing of the body was waited for


def test_a_put_with_an_endless_line_is_refused_before_parsing(server, alice):
    """One 500 kB property line: seconds and gigabytes of Radicale's parser at 50 MB."""
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:long\r\n"
            "DTSTART:20260101T000000Z\r\nX-LONG:" + "a" * 500_000
            + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    started = time.monotonic()
    answer = server.session.put(server.calendar_url(alice["account"]) + "long.ics", data=body,
                                headers={"Content-Type": "text/calendar"})
    assert answer.status_code == 413 and "limit: line length" in answer.text
    assert time.monotonic() - started < 5       # not after seconds of parsing


def test_chunked_body_needs_a_length(server):
    status, _ = exchange(server, request("PUT", "/alice/x/a.ics", f"Authorization: {AUTH}",
                                         "Transfer-Encoding: chunked"), b"5\r\nhello\r\n0\r\n\r\n")
    assert status == 411


def test_a_stalled_body_is_answered_408_after_the_socket_timeout(server):
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall((request("PUT", "/alice/x/a.ics", f"Authorization: {AUTH}",
                              "Content-Length: 5000") + "\r\n").encode() + b"BEGIN:VCAL")
        status, _ = read_answer(sock)
    assert status == 408
    assert server.session.request("PROPFIND", server.url + "/alice/",
                                  headers={"Depth": "0"}).status_code == 207


def test_headers_sent_a_byte_at_a_time_are_cut_off_at_the_header_deadline(server):
    """Slowloris: each byte comes well inside the 1 s socket timeout, so only a deadline on
    the whole request head ends it; both workers are taken this way and freed again."""
    head = request("PROPFIND", "/alice/", f"Authorization: {AUTH}", "Depth: 0",
                   *(f"X-Padding-{n}: {'x' * 40}" for n in range(40))).encode()
    clients = [socket.create_connection(address(server), timeout=10) for _ in range(2)]
    started, cut = time.monotonic(), {}
    try:
        sent = 0
        while len(cut) < len(clients) and time.monotonic() - started < 4 * HEADER_TIMEOUT:
            for n, sock in enumerate(clients):
                if n in cut:
                    continue
                try:
                    sock.sendall(head[sent:sent + 1])
                except OSError:     # the server closed it: read what it said
                    cut[n] = (time.monotonic() - started, read_answer(sock)[0])
            sent += 1
            assert sent < len(head), "the whole head went through: no deadline"
            time.sleep(0.25)        # a slow sender's pace, not a synchronisation
    finally:
        for sock in clients:
            sock.close()
    assert len(cut) == 2, f"still connected after {4 * HEADER_TIMEOUT} s"
    for seconds, status in cut.values():
        assert HEADER_TIMEOUT <= seconds < HEADER_TIMEOUT + 2.5 and status == 408
    assert server.session.request("PROPFIND", server.url + "/alice/",
                                  headers={"Depth": "0"}).status_code == 207


def test_a_body_sent_a_byte_at_a_time_is_cut_off(server):
    """Each byte inside the 1 s socket timeout, but 4 bytes a second: the body's deadline
    (header_timeout plus its length at 10 kB/s, 2.5 s here) ends it."""
    with socket.create_connection(address(server), timeout=10) as sock:
        sock.sendall((request("PUT", "/alice/x/a.ics", f"Authorization: {AUTH}",
                              "Content-Length: 5000") + "\r\n").encode())
        started, cut = time.monotonic(), None
        for _ in range(5000):
            try:
                sock.sendall(b"X")
            except OSError:
                cut = time.monotonic() - started
                break
            time.sleep(0.25)        # a slow sender's pace, not a synchronisation
            assert time.monotonic() - started < 4 * HEADER_TIMEOUT, "never cut off"
        status, _ = read_answer(sock)
    assert status == 408 and cut < HEADER_TIMEOUT + 0.5 + 2.5
    assert server.session.request("PROPFIND", server.url + "/alice/",
                                  headers={"Depth": "0"}).status_code == 207


def test_idle_connections_are_closed_and_a_full_pool_says_503(server):
    """Two workers, sixteen queued: idle clients fill them, the next is told to come back,
    and once the idle ones time out (1 s, or the 2 s header deadline for those still queued)
    the server answers again."""
    idle = [socket.create_connection(address(server), timeout=10) for _ in range(40)]
    try:
        answers = [sock.recv(200) for sock in idle]     # each closed or refused, none hangs
        kinds = {answer[:12] for answer in answers}      # closed, busy, or out of time
        assert b"HTTP/1.1 503" in kinds and kinds <= {b"", b"HTTP/1.1 503", b"HTTP/1.1 408"}
        assert all(b"Retry-After: 5" in answer for answer in answers
                   if answer.startswith(b"HTTP/1.1 503"))
    finally:
        for sock in idle:
            sock.close()
    assert server.session.request("PROPFIND", server.url + "/alice/",
                                  headers={"Depth": "0"}).status_code == 207


BOMBS = {
    "billion laughs": '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                      + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">'
                                for n in range(8))
                      + ']><propfind xmlns="DAV:"><prop>&i;</prop></propfind>',
    "quadratic": '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + "x" * 20000 + '">]>'
                 '<propfind xmlns="DAV:"><prop>' + "&a;" * 2000 + '</prop></propfind>',
    "external entity": '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                       '"file:///etc/passwd">]><propfind xmlns="DAV:"><prop>&e;</prop>'
                       '</propfind>',
    "5,000-deep filter": '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:'
                         'caldav"><D:prop><D:getetag/></D:prop><C:filter>'
                         + '<C:comp-filter name="VCALENDAR">' * 5000
                         + "</C:comp-filter>" * 5000 + "</C:filter></C:calendar-query>",
    "200,000 deep": "<a>" * 200_000 + "</a>" * 200_000,
    "100,000 properties": '<propfind xmlns="DAV:"><prop>' + "<getetag/>" * 100_000
                          + "</prop></propfind>",
    "malformed": '<propfind xmlns="DAV:"><prop>',
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_xml_bombs_are_400_quickly(server, name):
    body = BOMBS[name].encode()
    method = "REPORT" if "filter" in name else "PROPFIND"
    started = time.monotonic()
    response = server.session.request(method, server.url + "/alice/", data=body,
                                      headers={"Depth": "1", "Content-Type": "text/xml"})
    assert response.status_code == 400, response.text[:200]
    assert time.monotonic() - started < 5
    assert "root:" not in response.text
    assert server.session.request("PROPFIND", server.url + "/alice/",
                                  headers={"Depth": "0"}).status_code == 207
