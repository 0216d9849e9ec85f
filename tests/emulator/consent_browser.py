"""A minimal "browser" for the emulator's consent page: GET the authorization URL, fill in
``form#consent`` as a user would (hidden fields, the checked account radio or a chosen one,
ticked scope checkboxes, the pressed button) and POST it. Returns the emulator's answer
without following its redirect, so a test decides where the redirect goes."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class ConsentForm(HTMLParser):
    """The fields of ``form#consent`` in a page (form stays None if there is none)."""

    def __init__(self, html: str):
        super().__init__()
        self.action: str | None = None
        self.form: bool | None = None
        self.hidden: dict[str, str] = {}
        self.accounts: dict[str, bool] = {}         # email -> checked
        self.scopes: dict[str, bool] = {}           # scope -> ticked
        self.buttons: dict[str, tuple[str, str]] = {}   # id -> (name, value)
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "consent":
            self.form, self.action = True, a.get("action")
        elif not self.form:
            return
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("name") == "account":
            self.accounts[a["value"]] = "checked" in a
        elif tag == "input" and a.get("name") == "scope":
            self.scopes[a["value"]] = "checked" in a
        elif tag == "button":
            self.buttons[a["id"]] = (a["name"], a["value"])

    def handle_endtag(self, tag):
        if tag == "form" and self.form:
            self.form = False

    def submit_data(self, button: str, account: str | None, untick: set[str]) -> dict:
        chosen = account or next((e for e, checked in self.accounts.items() if checked), None)
        name, value = self.buttons[button]
        data = dict(self.hidden, **{name: value})
        if chosen:
            data["account"] = chosen
        data["scope"] = [s for s, ticked in self.scopes.items() if ticked and s not in untick]
        return data


def consent(url: str, *, account: str | None = None, button: str = "allow",
            untick: set[str] = frozenset(), session: requests.Session | None = None
            ) -> requests.Response:
    """Open the authorization URL and press ``button`` (``allow`` or ``deny``)."""
    http = session or requests.Session()
    page = http.get(url, allow_redirects=False, timeout=30)
    assert page.status_code == 200, (page.status_code, page.text)
    form = ConsentForm(page.text)
    assert form.action, "no consent form on the page"
    return http.post(urljoin(url, form.action), data=form.submit_data(button, account, untick),
                     allow_redirects=False, timeout=30)
