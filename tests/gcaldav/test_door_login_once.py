"""A request's password is checked once: the door checks the login of a request with a body
before reading it, and Radicale takes that answer instead of checking again (with bcrypt
each check costs tens of milliseconds). Requests the door did not check, and wrong
passwords, are still checked by Radicale."""

from __future__ import annotations

import pytest

PROPFIND = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop>'
            '</D:propfind>')


@pytest.fixture
def counted(make_bridge, alice, monkeypatch):
    """(server, list of the user names whose password the [auth] backend checked)."""
    server = make_bridge(alice)
    backend = server.server.get_app().login.backend     # Radicale's htpasswd backend
    checked = []
    original = backend._login
    monkeypatch.setattr(backend, "_login",
                        lambda user, password: (checked.append(user), original(user,
                                                                                password))[1])
    return server, checked


def test_a_request_with_a_body_is_checked_once(counted, alice):
    server, checked = counted
    url = server.calendar_url(alice["account"])
    response = server.session.request("PROPFIND", url, data=PROPFIND,
                                      headers={"Depth": "1", "Content-Type": "text/xml"})
    assert response.status_code == 207
    assert checked == ["alice"]


def test_a_request_without_a_body_is_checked_by_radicale(counted, alice):
    server, checked = counted
    assert server.session.get(server.calendar_url(alice["account"])).status_code == 200
    assert checked == ["alice"]


def test_the_door_answer_is_not_taken_for_another_request(counted, alice):
    server, checked = counted
    url = server.calendar_url(alice["account"])
    server.session.request("PROPFIND", url, data=PROPFIND,
                           headers={"Depth": "0", "Content-Type": "text/xml"})
    server.session.auth = ("alice", "wrong")
    assert server.session.get(url).status_code == 401
    assert server.session.request("PROPFIND", url, data=PROPFIND, headers={
        "Depth": "0", "Content-Type": "text/xml"}).status_code == 401
    assert checked == ["alice", "alice", "alice"]
