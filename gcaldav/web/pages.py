"""What every page shares: the site's settings and state (``Pages``), the ``page`` wrapper
that loads the session, refuses a form without its token, requires a signed-in user and sends
the security headers, and ``render`` for templates (Jinja2, autoescaped)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from bridge.errors import BridgeError

from .oauth import Connects
from .session import COOKIE, Sessions, Throttle

HERE = Path(__file__).parent
ENV = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(default=True), trim_blocks=True,
                  lstrip_blocks=True)
SUB_PATH = re.compile(r"(/[\w.~-]+)*")
Login = Callable[[str, str], str]      # user name, password -> CalDAV user name or ""


@dataclass
class Pages:
    """Settings from the configuration plus the state the pages keep in memory."""
    login: Login                        # Radicale's [auth]
    admins: frozenset[str] = frozenset()
    client_secrets: str = ""            # the OAuth client's JSON file ("web" or "installed")
    public_url: str = ""                # base URL as people reach it; default: the request's
    sessions: Sessions = field(default_factory=Sessions)
    throttle: Throttle = field(default_factory=Throttle)
    connects: Connects = field(init=False)

    def __post_init__(self):
        self.connects = Connects(self.client_secrets)

    def base_url(self, request: Request) -> str:
        return self.public_url or request.host_url.rstrip("/") + self.prefix(request)

    def prefix(self, request: Request) -> str:
        """The path a proxy serves the bridge under ("" at the root): public_url's, else the
        proxy's X-Script-Name (as Radicale reads it)."""
        if self.public_url:
            return urlsplit(self.public_url).path.rstrip("/")
        prefix = request.headers.get("X-Script-Name", "").rstrip("/")
        return prefix if SUB_PATH.fullmatch(prefix) else ""

    def secure(self, request: Request) -> bool:
        return request.scheme == "https" or self.public_url.startswith("https:")


def page(*, signed_in: bool = True, admin: bool = False):
    """Wrap an endpoint ``(request, app, session, **values) -> Response``."""
    def wrap(endpoint):
        @functools.wraps(endpoint)
        def handle(request: Request, app, **values) -> Response:
            pages: Pages | None = app.pages
            if pages is None:
                return Response("The pages are not enabled.", status=404)
            session = pages.sessions.load(request.cookies.get(COOKIE))
            session.admin = session.user in pages.admins
            session.home = pages.prefix(request) + "/.gcaldav"
            try:
                if request.method == "POST" and not session.valid_form(request.form.get("csrf")):
                    raise BadRequest("This form has expired or did not come from this site: "
                                     "go back, reload the page and try again.")
                if signed_in and session.user is None:
                    response = redirect(f"{session.home}/signin")
                elif admin and not session.admin:
                    raise Forbidden("This page is for the administrators.")
                else:
                    response = endpoint(request, app, session, **values)
            except HTTPException as exc:
                response = render("message.html", session, status=exc.code,
                                  title=exc.name, message=exc.description)
            except BridgeError as exc:      # the engine refused: its message is for people
                response = render("message.html", session, title="Not done", status=409,
                                  message=exc.message)
            pages.sessions.save(response, session, secure=pages.secure(request))
            _secure_headers(response, pages)
            return response
        return handle
    return wrap


def render(template: str, session, *, status: int = 200, **context) -> Response:
    body = ENV.get_template(template).render(session=session, **context)
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def _secure_headers(response: Response, pages: Pages) -> None:
    # Forms may post to ourselves only; the connect form's answer redirects to Google's
    # sign-in page, which Chrome also checks against form-action.
    google = _origin(pages.connects.auth_uri)
    response.headers.update({
        "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
                                   "img-src 'self'; base-uri 'none'; frame-ancestors 'none'; "
                                   f"form-action 'self'{' ' + google if google else ''}",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store", "X-Frame-Options": "DENY"})


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def static(request: Request, app, name: str) -> Response:
    """The style sheet and the copy button's script."""
    types = {"style.css": "text/css", "copy.js": "text/javascript"}
    if name not in types:
        return Response("Not found", status=404)
    response = Response((HERE / "static" / name).read_bytes(),
                        content_type=f"{types[name]}; charset=utf-8")
    response.headers["Cache-Control"] = "max-age=3600"
    return response


def pages_from(options, login: Login) -> Pages:
    """The pages' settings from [storage] options (``options.get(name)``)."""
    return Pages(login, admins=frozenset(a.strip() for a in options("admins").split(",")
                                         if a.strip()),
                 client_secrets=options("oauth_client_secrets"),
                 public_url=(options("public_url") or options("push_url")).rstrip("/"))
