"""The connect page's reading of the OAuth client file, and who may finish a flow."""

from __future__ import annotations

import json

import pytest
from werkzeug.exceptions import BadRequest

from gcaldav.web.oauth import Connects

CLIENT = {"client_id": "1-abc.apps.googleusercontent.com", "client_secret": "GOCSPX-s3cret",
          "auth_uri": "https://accounts.google.com/o/oauth2/auth",
          "token_uri": "https://oauth2.googleapis.com/token", "redirect_uris": []}


@pytest.mark.parametrize("content, problem", [
    (None, "administrator sets oauth_client_secrets"),
    ("{not json", "cannot be read (JSONDecodeError)"),
    ({"type": "authorized_user", "refresh_token": "x"}, "not a client-secrets JSON"),
    ({"web": {**CLIENT, "client_secret": ""}}, "not a client-secrets JSON"),
])
def test_an_unusable_client_file_is_said_in_words(tmp_path, content, problem):
    path = ""
    if content is not None:
        path = tmp_path / "client.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    connects = Connects(str(path))
    assert problem in connects.problem and connects.auth_uri == ""
    assert "GOCSPX" not in connects.problem


@pytest.mark.parametrize("kind", ["web", "installed"])
def test_a_flow_is_finished_only_by_the_session_that_started_it(tmp_path, kind):
    path = tmp_path / "client.json"
    path.write_text(json.dumps({kind: CLIENT}))
    connects = Connects(str(path))
    assert connects.problem == "" and connects.auth_uri == CLIENT["auth_uri"]
    url = connects.start(("alice", "token-1"), "https://cal.example.org/.gcaldav/oauth/callback",
                         ["https://www.googleapis.com/auth/calendar"])
    assert "code_challenge_method=S256" in url and "access_type=offline" in url
    state = url.split("state=")[1].split("&")[0]
    with pytest.raises(BadRequest, match="not started from this session"):
        connects.finish(("alice", "token-2"), state, "code", "https://x/cb", [])
    with pytest.raises(BadRequest, match="not started from this session"):   # used up
        connects.finish(("alice", "token-1"), state, "code", "https://x/cb", [])
