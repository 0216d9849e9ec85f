"""The calendar home (``/<user>/``, also the principal) as Apple's clients look at it.

Radicale answers the home's properties itself and offers a storage plugin no hook for them,
so this WSGI middleware completes its answers:

* ``supported-report-set`` lists ``DAV:sync-collection``, the home has a ``sync-token``, and
  a sync-collection REPORT on the home says which calendars appeared, changed (contents or
  properties) or went away since a token. Each token carries a short digest per calendar,
  so every token a client holds can be answered without keeping history; the calendars'
  properties come from Radicale's own PROPFIND of the home.
* ``calendar-user-address-set`` lists ``mailto:`` each linked Google account and each
  calendar the user owns (Google names a calendar's id as ORGANIZER of the events created
  in it), so the user's own events are not shown as invitations from someone else.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zlib
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

from bridge.service import Bridge

from .captured import call, reply

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
TOKEN_PREFIX = "http://radicale.org/ns/sync/home-"
ADDED_PROPS = (D + "supported-report-set", D + "sync-token", C + "calendar-user-address-set")
MAX_TOKEN = 65536


def _home_user(environ) -> str | None:
    parts = [p for p in unquote(environ.get("PATH_INFO", "")).split("/") if p]
    return parts[0] if len(parts) == 1 and environ.get("PATH_INFO", "").endswith("/") \
        else None


def _xml(element: ET.Element) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element)


class HomeMiddleware:
    def __init__(self, app, bridge: Bridge):
        self.app, self.bridge = app, bridge

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "").upper()
        user = _home_user(environ) if method in ("PROPFIND", "REPORT") else None
        if user is None:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        if method == "REPORT":
            try:
                request = ET.fromstring(body)
            except ET.ParseError:
                return self.app(environ, start_response)     # Radicale's 400
            if request.tag != D + "sync-collection":
                return self.app(environ, start_response)
            return self._sync(environ, start_response, user, request)
        status, headers, content = call(self.app, environ)
        if not status.startswith("207") or not any(
                tag.encode().split(b"}")[1] in content for tag in ADDED_PROPS):
            return reply(start_response, status, headers, content)
        tree = ET.fromstring(content)
        for response in tree.findall(D + "response"):
            if _child_of_home(response, environ, user) == "":
                self._complete(response, user)
        return reply(start_response, status, headers, _xml(tree))

    # --- the home's own properties ----------------------------------------------------------

    def _complete(self, response: ET.Element, user: str) -> None:
        for propstat in list(response.findall(D + "propstat")):
            prop = propstat.find(D + "prop")
            for element in list(prop):
                if element.tag not in ADDED_PROPS:
                    continue
                self._fill(element, user)
                if "200" not in (propstat.findtext(D + "status") or ""):
                    prop.remove(element)
                    _ok_prop(response).append(element)
            if len(prop) == 0:
                response.remove(propstat)

    def _fill(self, element: ET.Element, user: str) -> None:
        if element.tag == D + "supported-report-set":
            if not any(e.tag == D + "sync-collection" for e in element.iter()):
                report = ET.SubElement(ET.SubElement(element, D + "supported-report"),
                                       D + "report")
                ET.SubElement(report, D + "sync-collection")
        elif element.tag == D + "sync-token":
            element.text = self._token(self._state(user))
        elif element.tag == C + "calendar-user-address-set":
            known = {e.text for e in element}
            for address in self.bridge.addresses(user):
                href = "mailto:" + address
                if href not in known:
                    ET.SubElement(element, D + "href").text = href

    # --- sync-collection on the home ------------------------------------------------------------

    def _state(self, user: str) -> dict[str, str]:
        """{slug: digest of what clients see of the calendar}."""
        out = {}
        for row in self.bridge.calendars(user):
            seen = [row.epoch, row.revision, row.name, row.color, row.description,
                    row.time_zone, row.access_role]
            out[row.slug] = hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:10]
        return out

    @staticmethod
    def _token(state: dict[str, str]) -> str:
        packed = zlib.compress(json.dumps(state, sort_keys=True).encode())
        return TOKEN_PREFIX + base64.urlsafe_b64encode(packed).decode().rstrip("=")

    @staticmethod
    def _old_state(token: str) -> dict[str, str] | None:
        if not token:
            return {}
        if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN:
            return None
        data = token.removeprefix(TOKEN_PREFIX)
        try:
            state = json.loads(zlib.decompress(base64.urlsafe_b64decode(
                data + "=" * (-len(data) % 4))))
        except (ValueError, zlib.error):
            return None
        return state if isinstance(state, dict) else None

    def _sync(self, environ, start_response, user: str, request: ET.Element):
        old = self._old_state((request.findtext(D + "sync-token") or "").strip())
        prop = request.find(D + "prop")
        names = "".join(f"<{e.tag.split('}')[1]} xmlns=\"{e.tag[1:].split('}')[0]}\"/>"
                        for e in (prop if prop is not None else []))
        listing = (f'<?xml version="1.0"?><propfind xmlns="DAV:"><prop>{names or "<getetag/>"}'
                   "</prop></propfind>").encode()
        inner = dict(environ, REQUEST_METHOD="PROPFIND", HTTP_DEPTH="1",
                     CONTENT_LENGTH=str(len(listing)), CONTENT_TYPE="application/xml")
        inner["wsgi.input"] = io.BytesIO(listing)
        status, headers, content = call(self.app, inner)
        if not status.startswith("207"):
            return reply(start_response, status, headers, content)    # 401, 403 ...
        if old is None:
            error = ET.Element(D + "error")
            ET.SubElement(error, D + "valid-sync-token")
            return reply(start_response, "403 Forbidden",
                          [("Content-Type", "application/xml; charset=utf-8")], _xml(error))
        state = self._state(user)
        listed = ET.fromstring(content)
        out = ET.Element(D + "multistatus")
        for response in listed.findall(D + "response"):
            slug = _child_of_home(response, environ, user)
            if slug and old.get(slug) != state.get(slug, "listed"):
                out.append(response)
        for slug in sorted(set(old) - set(state)):
            gone = ET.SubElement(out, D + "response")
            ET.SubElement(gone, D + "href").text = quote(f"{_home(environ, user)}{slug}/")
            ET.SubElement(gone, D + "status").text = "HTTP/1.1 404 Not Found"
        ET.SubElement(out, D + "sync-token").text = self._token(state)
        return reply(start_response, "207 Multi-Status",
                      [("Content-Type", "text/xml; charset=utf-8")], _xml(out))


def _home(environ, user: str) -> str:
    return f"{environ.get('SCRIPT_NAME', '').rstrip('/')}/{user}/"


def _child_of_home(response: ET.Element, environ, user: str) -> str | None:
    """"" for the home's own response, a calendar's slug for one of its calendars, else
    None."""
    href = unquote(response.findtext(D + "href") or "")
    home = _home(environ, user)
    if not href.startswith(home):
        return None
    rest = href[len(home):].strip("/")
    return rest if "/" not in rest else None


def _ok_prop(response: ET.Element) -> ET.Element:
    for propstat in response.findall(D + "propstat"):
        if "200" in (propstat.findtext(D + "status") or ""):
            return propstat.find(D + "prop")
    propstat = ET.Element(D + "propstat")
    prop = ET.SubElement(propstat, D + "prop")
    ET.SubElement(propstat, D + "status").text = "HTTP/1.1 200 OK"
    response.insert(1, propstat)
    return prop
