"""The page wrapper: an engine refusal becomes a page with its message, not a 500."""

from __future__ import annotations

import re

from werkzeug.test import Client

from bridge.errors import Upstream
from gcaldav.web import WebApp
from gcaldav.web.pages import Pages


class RefusingBridge:
    """Answers every question with Google being down, as the engine says it."""

    def status(self):
        raise Upstream("Google did not answer; try again in a minute.")


def test_an_engine_refusal_is_shown_in_words():
    app = WebApp(None, RefusingBridge(), pages=Pages(lambda user, password: user))
    client = Client(app)
    token = re.search(r'name="csrf" value="([^"]+)"',
                      client.get("/.gcaldav/signin").get_data(as_text=True)).group(1)
    assert client.post("/.gcaldav/signin", data={"csrf": token, "user": "alice",
                                                 "password": "x"}).status_code == 303
    page = client.get("/.gcaldav/")
    assert page.status_code == 409
    assert "Google did not answer; try again in a minute." in page.get_data(as_text=True)
