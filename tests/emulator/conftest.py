"""Fixtures for the Tasks API tests: the real google-api-python-client's ``tasks`` v1 service,
built from its bundled discovery document and pointed at the emulator."""

from __future__ import annotations

import google_auth_httplib2
import httplib2
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

SCOPE = "https://www.googleapis.com/auth/"
TASKS = SCOPE + "tasks"


def make_tasks_service(emulator, info: dict, *, scopes=(TASKS,)):
    creds = Credentials(token=None, refresh_token=info["refresh_token"],
                        client_id=info["client_id"], client_secret=info["client_secret"],
                        token_uri=info["token_uri"], scopes=list(scopes))
    http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=30))
    return build("tasks", "v1", http=http, static_discovery=True,
                 client_options={"api_endpoint": emulator.emulator.tasks_api_url})


@pytest.fixture
def tasks_for(emulator):
    return lambda info, **kw: make_tasks_service(emulator, info, **kw)


@pytest.fixture
def tasks(tasks_for, alice):
    """Alice's Tasks service with the full ``tasks`` scope."""
    return tasks_for(alice)


@pytest.fixture
def alice_email(alice):
    return alice["account"]
