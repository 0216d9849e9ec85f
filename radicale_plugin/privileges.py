"""Refusals of writes to read-only calendars, said in WebDAV's terms.

Radicale refuses a write the rights plugin does not allow (a calendar Google shares read-only)
with a bare text 403 before the storage is asked. RFC 3744 §7.1.1 has clients told which
privilege they lack: this WSGI middleware turns that 403, for the calendar's owner, into a
``DAV:need-privileges`` error naming the calendar and the privilege.
"""

from __future__ import annotations

import base64
from urllib.parse import unquote
from xml.etree import ElementTree as ET

from bridge.service import Bridge

from .captured import call, reply

D = "{DAV:}"
RADICALE_REFUSAL = b"Access to the requested resource forbidden."
PRIVILEGE = {"PROPPATCH": "write-properties", "PUT": "write-content", "DELETE": "unbind",
             "MOVE": "unbind", "MKCALENDAR": "bind", "MKCOL": "bind"}


def _login(environ) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        return base64.b64decode(header[6:]).decode("utf-8").partition(":")[0]
    except ValueError:
        return None


class PrivilegesMiddleware:
    def __init__(self, app, bridge: Bridge):
        self.app, self.bridge = app, bridge

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "").upper()
        if method not in PRIVILEGE:
            return self.app(environ, start_response)
        status, headers, content = call(self.app, environ,
                                        plain_if=lambda status: status.startswith("403"))
        calendar = None
        if status.startswith("403") and content == RADICALE_REFUSAL:
            calendar = self._read_only_calendar(environ)
        if calendar is None:
            return reply(start_response, status, headers, content)
        answer = _need_privileges(calendar, PRIVILEGE[method])
        return reply(start_response, "403 Forbidden",
                     [("Content-Type", "application/xml; charset=utf-8")], answer)

    def _read_only_calendar(self, environ) -> str | None:
        """The calendar's href, if the request is its owner's and Google shares it
        read-only."""
        path = unquote(environ.get("PATH_INFO", ""))
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or _login(environ) != parts[0]:
            return None
        row = self.bridge.calendar(parts[0], parts[1], fresh=False)
        if row is None or not row.read_only:
            return None
        return f"{environ.get('SCRIPT_NAME', '').rstrip('/')}/{parts[0]}/{parts[1]}/"


def _need_privileges(href: str, privilege: str) -> bytes:
    error = ET.Element(D + "error")
    resource = ET.SubElement(ET.SubElement(error, D + "need-privileges"), D + "resource")
    ET.SubElement(resource, D + "href").text = href
    ET.SubElement(ET.SubElement(resource, D + "privilege"), D + privilege)
    ET.SubElement(error, D + "responsedescription").text = (
        "Google shares this calendar with you read-only.")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(error)
