"""/metrics and /healthz on the real server: no login by default (an option requires one),
Google calls as the emulator counted them, and no personal data anywhere."""

from __future__ import annotations

import requests

from tests.support import wait_for
from prometheus_client.parser import text_string_to_metric_families


def samples(server, **kwargs) -> dict:
    """{(sample name, frozenset of labels): value} from a live scrape."""
    response = requests.get(server.url + "/metrics", timeout=5, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def google_calls(scrape: dict, method: str, outcome: str | None = None) -> float:
    return sum(value for (name, labels), value in scrape.items()
               if name == "gcaldav_google_calls_total" and ("method", method) in labels
               and (outcome is None or ("outcome", outcome) in labels))


def test_metrics_report_the_calls_the_emulator_counted(make_bridge, alice, control):
    server = make_bridge(alice, freshness=0)
    url = server.calendar_url(alice["account"])
    started = server.bridge.scheduler.started     # every calendar syncs once at start
    wait_for(lambda: all(c.last_sync >= started for c in server.bridge.store.calendars("alice")),
             10, "the start-up sync")
    control.post("/stats/reset")
    before = samples(server)
    control.post("/faults", {"kind": "error", "status": 500, "reason": "backendError",
                             "method": "events.list"})
    for _ in range(3):
        server.ctag(url)        # freshness 0: each poll lists (the first one twice: a 500)
    after = samples(server)
    counted = control.calls()["events.list"]
    assert counted == 4
    assert google_calls(after, "events.list") - google_calls(before, "events.list") == counted
    assert google_calls(after, "events.list", "500") - \
        google_calls(before, "events.list", "500") == 1
    propfinds = [v for (name, labels), v in after.items()
                 if name == "gcaldav_caldav_requests_total"
                 and labels == {("method", "PROPFIND"), ("status", "207")}]
    assert propfinds and propfinds[0] >= 3
    syncs = [v for (name, labels), v in after.items()
             if name == "gcaldav_sync_duration_seconds_count" and ("kind", "events") in labels]
    assert sum(syncs) >= 3


def test_metrics_and_healthz_need_no_login_and_carry_no_personal_data(make_bridge, new_account,
                                                                     control):
    account = new_account("private.person")
    cal = account["account"]
    control.post(f"/calendars/{cal}/events", {
        "summary": "Secret appointment", "location": "Hidden street 1",
        "start": {"dateTime": "2026-07-01T09:00:00Z"},
        "end": {"dateTime": "2026-07-01T10:00:00Z"}})
    control.post("/calendars", {"owner": cal, "summary": "Therapy sessions"})
    server = make_bridge(account)
    server.ctag(server.calendar_url(cal))
    metrics = requests.get(server.url + "/metrics", timeout=5)
    health = requests.get(server.url + "/healthz", timeout=5)
    assert metrics.status_code == 200 and health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["background"] == "running"
    assert health.json()["calendars"] == 2
    calendar_ids = {str(c.id) for c in server.bridge.store.calendars("alice")}
    lags = {labels for (name, labels) in samples(server)
            if name == "gcaldav_sync_lag_seconds"}
    assert {dict(labels)["calendar"] for labels in lags} == calendar_ids
    for text in (metrics.text, health.text):
        for private in ("private.person", "example.com", "alice", "Secret", "Hidden",
                        "Therapy", "@"):
            assert private not in text, private


def test_an_option_requires_a_login_for_metrics_and_healthz(make_bridge, alice):
    server = make_bridge(alice, metrics_auth="true")
    for path in ("/metrics", "/healthz"):
        assert requests.get(server.url + path, timeout=5).status_code == 401
        assert requests.get(server.url + path, auth=("alice", "wrong"),
                            timeout=5).status_code == 401
        assert requests.get(server.url + path, auth=("alice", "secret"),
                            timeout=5).status_code == 200
    assert samples(server, auth=("alice", "secret"))


def test_healthz_fails_once_the_background_work_has_stopped(make_bridge, alice):
    server = make_bridge(alice)
    assert requests.get(server.url + "/healthz", timeout=5).json()["background"] == "running"
    server.bridge.scheduler.aps.shutdown()          # as if its thread had died
    response = requests.get(server.url + "/healthz", timeout=5)
    assert response.status_code == 503
    assert response.json() == dict(response.json(), status="error", background="stopped")
    assert requests.head(server.url + "/metrics", timeout=5).content == b""
