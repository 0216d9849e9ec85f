"""A bridge serving the pages, with an OAuth "web" client registered at the emulator, users
alice (an admin) and bob; and a headless Chromium (Debian's, driven by Selenium)."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from gcaldav.configfile import bridge_config
from tests.radicale_plugin.conftest import BridgeServer
from tests.support import free_port

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
PASSWORDS = {"alice": "secret", "bob": "hunter22"}
_numbers = itertools.count(1)


@dataclass
class Site:
    server: BridgeServer
    base: str
    client: dict            # the OAuth client's secrets JSON

    @property
    def bridge(self):
        return self.server.bridge

    def session(self, user: str) -> requests.Session:
        """A plain HTTP session signed in to the pages as ``user``."""
        http = requests.Session()
        http.post(self.base + "/.gcaldav/signin", data={
            "csrf": self.csrf(http, "/.gcaldav/signin"), "user": user,
            "password": PASSWORDS[user]}).raise_for_status()
        assert "gcaldav_session" in http.cookies
        return http

    def csrf(self, http: requests.Session, path: str) -> str:
        page = http.get(self.base + path)
        return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

    def served_names(self, user: str = "alice") -> set[str]:
        """Display names of the collections a CalDAV PROPFIND of the home lists."""
        response = requests.request(
            "PROPFIND", f"{self.base}/{user}/", auth=(user, PASSWORDS[user]),
            headers={"Depth": "1", "Content-Type": "text/xml"},
            data='<propfind xmlns="DAV:"><prop><displayname/></prop></propfind>')
        assert response.status_code == 207, response.text
        return {node.text for node in ET.fromstring(response.content).iter("{DAV:}displayname")
                if node.text}


def google_account(control, summary: str = "Work") -> str:
    """A new emulator account with a secondary calendar holding two events; its e-mail."""
    email = f"web{next(_numbers)}-{uuid.uuid4().hex[:6]}@example.com"
    control.post("/accounts", {"email": email})
    work = control.post("/calendars", {"owner": email, "summary": summary})["id"]
    for day in (1, 2):
        control.post(f"/calendars/{work}/events", {
            "summary": f"Meeting {day}", "start": {"dateTime": f"2026-12-0{day}T10:00:00Z"},
            "end": {"dateTime": f"2026-12-0{day}T11:00:00Z"}})
    return email


@pytest.fixture
def site(emulator, control, tmp_path, monkeypatch):
    # oauthlib refuses plain-http token endpoints; the emulator is plain http on loopback.
    # In production Google's endpoints and the callback are https, and this stays unset.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client = control.post("/oauth-clients", {
        "type": "web", "redirect_uris": [base + "/.gcaldav/oauth/callback"]})
    secrets_file = tmp_path / "client_secret.json"
    secrets_file.write_text(json.dumps(client))
    htpasswd = tmp_path / "users"
    htpasswd.write_text("".join(f"{u}:{p}\n" for u, p in PASSWORDS.items()))
    config = tmp_path / "config"
    config.write_text(bridge_config(
        htpasswd=htpasswd, data_dir=tmp_path / "data", api=emulator.emulator.api_url,
        token_uri=emulator.emulator.token_url, port=port, freshness=0.2,
        oauth_client_secrets=secrets_file, public_url=base, admins="alice"))
    server = BridgeServer(config, port=port).start()
    yield Site(server, base, client)
    server.stop()


@pytest.fixture
def browser(tmp_path):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Debian's chromium and chromium-driver are not installed "
                    "(apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    # The service names the system driver, so Selenium Manager never downloads one.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "chromium", ignore_errors=True)


def screenshot(driver, name: str, tmp_path: Path) -> None:
    """Into GCALDAV_SCREENSHOTS (docs/screenshots when refreshing the README's), else tmp."""
    folder = Path(os.environ.get("GCALDAV_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(600, min(height + 40, 2400)))
    assert driver.save_screenshot(str(folder / f"{name}.png"))
