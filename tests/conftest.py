"""Shared fixtures: a real emulator over HTTP and the real Google client pointed at it."""

from __future__ import annotations

import itertools
import json
import logging
import urllib.error
import urllib.request

import google_auth_httplib2
import httplib2
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from emulator import EmulatorServer

_accounts = itertools.count(1)
# Request lines of the emulator's HTTP server would drown every failure report.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


class Control:
    """A tiny client for the emulator's /_emulator/ control API."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def request(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + "/_emulator" + path, data=data,
                                     method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    def _ok(self, method: str, path: str, body: object = None) -> object:
        status, result = self.request(method, path, body)
        assert status == 200, result
        return result

    def get(self, path):
        return self._ok("GET", path)

    def post(self, path, body=None):
        return self._ok("POST", path, body if body is not None else {})

    def patch(self, path, body):
        return self._ok("PATCH", path, body)

    def put(self, path, body):
        return self._ok("PUT", path, body)

    def delete(self, path):
        return self._ok("DELETE", path)

    def calls(self) -> dict:
        return self.get("/stats")["calls"]


@pytest.fixture(scope="session")
def emulator():
    server = EmulatorServer().start()
    yield server
    server.stop()


@pytest.fixture
def control(emulator):
    ctl = Control(emulator.base_url)
    ctl.request("DELETE", "/faults")
    ctl.post("/stats/reset")
    yield ctl
    ctl.request("DELETE", "/faults")


@pytest.fixture
def new_account(control):
    """Factory: a fresh emulator account (its primary calendar id is its email)."""
    def make(name: str = "user", **extra) -> dict:
        email = f"{name}{next(_accounts)}@example.com"
        return control.post("/accounts", {"email": email, **extra})
    return make


def make_service(emulator, info: dict, *, scopes=("https://www.googleapis.com/auth/calendar",),
                 token: str | None = None):
    """The real google-api-python-client, authorised by google-auth against the emulator."""
    creds = Credentials(token=token, refresh_token=info["refresh_token"],
                        client_id=info["client_id"], client_secret=info["client_secret"],
                        token_uri=info["token_uri"], scopes=list(scopes))
    http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=30))
    return build("calendar", "v3", http=http, static_discovery=True,
                 client_options={"api_endpoint": emulator.emulator.api_url})


@pytest.fixture
def service_for(emulator):
    return lambda info, **kw: make_service(emulator, info, **kw)


@pytest.fixture
def alice(new_account):
    return new_account("alice")


@pytest.fixture
def svc(service_for, alice):
    return service_for(alice)
