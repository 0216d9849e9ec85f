"""Session cookies and the sign-in throttle, without a server."""

from __future__ import annotations

from werkzeug.wrappers import Response

from gcaldav.web.session import COOKIE, Session, Sessions, Throttle


def cookie_of(response: Response) -> str:
    return response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]


def test_a_session_survives_its_cookie_and_nothing_else_does():
    sessions = Sessions()
    response = Response()
    sessions.save(response, Session(user="alice", csrf="t0ken"), secure=True)
    header = response.headers["Set-Cookie"]
    assert header.startswith(COOKIE) and "Secure" in header and "HttpOnly" in header
    assert "SameSite=Lax" in header and "Path=/.gcaldav/" in header
    loaded = sessions.load(cookie_of(response))
    assert loaded.user == "alice" and loaded.valid_form("t0ken") and not loaded.valid_form("x")
    assert Sessions().load(cookie_of(response)).user is None        # another server's key
    assert sessions.load(cookie_of(response)[:-2] + "xx").user is None   # tampered
    assert not Session().valid_form(None) and not Session().valid_form("")


def test_an_old_cookie_expires():
    sessions = Sessions(lifetime=-1)      # every cookie is already too old
    response = Response()
    sessions.save(response, Session(user="alice"), secure=False)
    assert sessions.load(cookie_of(response)).user is None


def test_the_throttle_counts_failures_in_its_window():
    now = [1000.0]
    throttle = Throttle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait("user:a", "addr:1") == 0
        throttle.failed("user:a", "addr:1")
    assert throttle.wait("user:a") == 60 and throttle.wait("addr:1") == 60
    assert throttle.wait("user:b", "addr:2") == 0
    now[0] += 45
    assert throttle.wait("user:a") == 15
    now[0] += 15.5
    assert throttle.wait("user:a", "addr:1") == 0
