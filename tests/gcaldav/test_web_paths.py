"""The pages behind a proxy's sub-path: links, redirects and the cookie carry the prefix
(from public_url, else the proxy's X-Script-Name); a prefix that is not a plain path is
ignored."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from gcaldav.web import WebApp
from gcaldav.web.pages import Pages


def sign_in_page(public_url: str = "", **headers):
    app = WebApp(None, None, pages=Pages(lambda user, password: "", public_url=public_url))
    return Client(app).get("/.gcaldav/signin", headers=headers)


@pytest.mark.parametrize("public_url, headers, prefix, secure", [
    ("", {}, "", False),
    ("", {"X-Script-Name": "/cal/"}, "/cal", False),
    ("https://example.org/cal", {}, "/cal", True),
    ("https://example.org/cal", {"X-Script-Name": "/other"}, "/cal", True),
    ("", {"X-Script-Name": '/x";evil'}, "", False),
])
def test_links_and_cookie_follow_the_prefix(public_url, headers, prefix, secure):
    page = sign_in_page(public_url, **headers)
    body = page.get_data(as_text=True)
    assert f'action="{prefix}/.gcaldav/signin"' in body
    assert f'href="{prefix}/.gcaldav/static/style.css"' in body
    cookie = page.headers["Set-Cookie"]
    assert f"Path={prefix}/.gcaldav/" in cookie and ("Secure" in cookie) == secure


def test_signed_out_visitors_are_sent_to_the_prefixed_sign_in():
    app = WebApp(None, None, pages=Pages(lambda user, password: ""))
    answer = Client(app).get("/.gcaldav/setup", headers={"X-Script-Name": "/cal"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/cal/.gcaldav/signin"
