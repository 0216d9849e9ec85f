"""Limits at the door: a WSGI middleware that refuses a request before Radicale reads it.

Radicale reads the whole body before it checks the login, enforces ``max_content_length``
only in its own server, and turns a bad ``Content-Length`` or ``Authorization`` header into
a 500. Here, in order and without reading a byte of the body first: the headers are checked
(400), the login is checked for any request that carries a body (401), the declared size
is compared with the limit (413); then the body is read with the socket's timeout (408 when
the client stalls) and a WebDAV XML body gets a bounded look (``xml_guard``, 400) and an
iCalendar one a count of its recurrence parts (400 naming the limit). The body handed on
is the bytes read, so nothing downstream can read past the limit.

A PUT carries one iCalendar resource (a whole calendar cannot be uploaded here), so it has
bounds of its own, far below ``max_content_length``: its size (``max_resource``, checked
before the body is read) and the length of each line (``max_ical_line``) — Radicale's
parser takes 53 s and 7 GB for one 50 MB line, 13 s for 50 MB of 64 kB lines, and the
bridge's write path about 3 s a megabyte whatever its lines (it parses the text several
times). And a bound on its lines (``max_ical_lines``): Radicale's parser
spends about 25 µs and 0.7 kB per content line and the bridge's write about 0.7 ms, so a
body of a few million short lines, well under any byte limit, would take a minute and
gigabytes before its 400; one event, even a series at the override limit (500) with
attendees copied into each override, stays below it.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
from typing import Callable
from urllib.parse import quote

from bridge import errors

from . import xml_guard
from .pool import headers_read, reading_body, request_read

logger = logging.getLogger("gcaldav.door")
Login = Callable[[str, str], bool]
CHECKED_LOGIN = "gcaldav.checked_login"     # environ: (user, password) the door checked
XML_METHODS = frozenset({"PROPFIND", "PROPPATCH", "REPORT", "MKCALENDAR", "MKCOL"})
_DIGITS = re.compile(r"[0-9]{1,18}")
MAX_ICAL_LINES = 20_000
MAX_RESOURCE = 1_000_000        # bytes of one PUT: a series at the override limit fits
MAX_ICAL_LINE = 100_000         # bytes of one line as sent (folded lines count apart)


class Refusal(Exception):
    def __init__(self, status: str, message: str, headers=()):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, list(headers)


def basic_credentials(environ) -> tuple[str, str] | None:
    """(user, password) from a Basic Authorization header; None without one."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None             # another scheme: the auth backend decides
    try:
        decoded = base64.b64decode(value.strip().encode("ascii"), validate=True)
        user, colon, password = decoded.decode("utf-8").partition(":")
    except (binascii.Error, UnicodeError, ValueError):
        raise Refusal("400 Bad Request", "Authorization: not valid Basic credentials") from None
    if not colon:
        raise Refusal("400 Bad Request", "Authorization: Basic credentials need user:password")
    return user, password


def content_length(environ) -> int:
    """The declared body length; 400 for anything but a plain decimal number."""
    if environ.get("HTTP_TRANSFER_ENCODING", "identity").strip().lower() != "identity":
        raise Refusal("411 Length Required", "send the body with a Content-Length")
    text = (environ.get("CONTENT_LENGTH") or "").strip()
    if not text:
        return 0
    if not _DIGITS.fullmatch(text):
        raise Refusal("400 Bad Request", "Content-Length must be a decimal number of bytes")
    return int(text)


class Door:
    """``exempt(environ)`` names requests the app authenticates itself (webhook, metrics)."""

    def __init__(self, app, *, max_length: int, login: Login | None,
                 exempt: Callable[[dict], bool] = lambda environ: False,
                 ical_check: Callable[[str], None] = lambda text: None,
                 xml_limits: xml_guard.XmlLimits = xml_guard.XmlLimits(),
                 max_ical_lines: int = MAX_ICAL_LINES, max_resource: int = MAX_RESOURCE,
                 max_ical_line: int = MAX_ICAL_LINE):
        self.app, self.max_length, self.login = app, max_length, login
        self.max_ical_lines, self.max_resource = max_ical_lines, max_resource
        self.max_ical_line = max_ical_line
        self.exempt, self.ical_check, self.xml_limits = exempt, ical_check, xml_limits

    def __call__(self, environ, start_response):
        headers_read()          # the pool's header deadline is met
        try:
            self._admit(environ)
        except Refusal as refusal:
            request_read()
            method = environ.get("REQUEST_METHOD", "")
            logger.info("refused %s %s: %s", method, _safe_path(environ), refusal.message)
            return _answer(refusal, start_response)
        request_read()
        return self.app(environ, _latin1_headers(start_response))

    def _admit(self, environ) -> None:
        length = content_length(environ)
        credentials = basic_credentials(environ)
        if length and self.login is not None and not self.exempt(environ):
            if credentials is None or not self.login(*credentials):
                raise Refusal("401 Unauthorized", "log in before sending a body",
                              [("WWW-Authenticate", 'Basic realm="gcaldav"')])
            environ[CHECKED_LOGIN] = credentials    # Radicale need not check them again
        if length > self.max_length:
            raise Refusal("413 Content Too Large",
                          f"the body exceeds the limit of {self.max_length} bytes")
        if length > self.max_resource and environ.get("REQUEST_METHOD", "").upper() == "PUT":
            raise Refusal("413 Content Too Large", f"a calendar resource may be at most "
                          f"{self.max_resource} bytes (limit: resource size)")
        reading_body(length)    # a body trickled byte by byte is cut off too
        body = _read(environ["wsgi.input"], length)
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(length)
        method = environ.get("REQUEST_METHOD", "").upper()
        if body and method in XML_METHODS:
            try:
                xml_guard.check(body, self.xml_limits, method)
            except xml_guard.Refused as exc:
                raise Refusal("400 Bad Request", str(exc)) from None
        elif body and method == "PUT":
            lines = body.count(b"\n")
            too_many = Refusal("413 Content Too Large", f"the body has more than "
                               f"{self.max_ical_lines} lines (limit: lines per resource)")
            if lines > 10 * self.max_ical_lines:
                raise too_many          # not even scanned: its lines alone take memory
            try:
                self.ical_check(body.decode("utf-8", "replace"))
            except errors.BridgeError as exc:       # the more precise limit first
                raise Refusal("400 Bad Request", exc.message) from None
            if lines > self.max_ical_lines:
                raise too_many
            if max(map(len, body.split(b"\n"))) > self.max_ical_line:
                raise Refusal("413 Content Too Large", f"a line is longer than "
                              f"{self.max_ical_line} bytes (limit: line length; fold long "
                              "lines)")


def _read(stream, length: int) -> bytes:
    """Exactly ``length`` bytes; a client that stalls past the socket timeout or hangs up
    early gets 408 (the answer may not reach it, but nothing waits on it any longer)."""
    chunks, missing = [], length
    try:
        while missing:
            chunk = stream.read(min(missing, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            missing -= len(chunk)
    except (TimeoutError, OSError):
        missing = -1
    if missing:
        raise Refusal("408 Request Timeout", "the body did not arrive in time")
    return b"".join(chunks)


def _latin1_headers(start_response):
    """HTTP/1.1 header values are Latin-1: Radicale may echo a client's non-Latin-1 path in
    one (a 500 from the server's encoder); such a value goes out percent-encoded instead."""
    def start(status, headers, exc_info=None):
        return start_response(status, [(name, _latin1(value)) for name, value in headers],
                              exc_info)
    return start


def _latin1(value: str) -> str:
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        return quote(value, safe="/:;=,\"'<>@ ")


def _safe_path(environ) -> str:
    """The path without its query, which may carry tokens."""
    return environ.get("PATH_INFO", "")[:200]


def _answer(refusal: Refusal, start_response):
    content = (refusal.message + "\n").encode()
    start_response(refusal.status, [("Content-Type", "text/plain; charset=utf-8"),
                                    ("Content-Length", str(len(content))),
                                    *refusal.headers])
    return [content]
