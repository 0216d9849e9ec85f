"""`gcaldav emulator --seed demo` as a real subprocess, explored with the real Google client.

The command line lives in radicale_plugin/cli.py (the `gcaldav` script); it is run here as
`python -m gcaldav.cli` so the test does not depend on the installed script.
"""

import datetime as dt
import json
import queue
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import google_auth_httplib2
import httplib2
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from tests.support import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]
DEMO = "demo@example.com"
CLI = "gcaldav.cli"




def start(*args: str, timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """Run `gcaldav ARGS`; answer the process and its first output line."""
    proc = subprocess.Popen([sys.executable, "-m", CLI, *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        return proc, lines.get(timeout=timeout)
    except queue.Empty:
        stop_process(proc)
        raise AssertionError(f"no ready line within {timeout} s") from None




def api_url(ready_line: str) -> str:
    match = re.search(r"API (\S+/calendar/v3/)", ready_line)
    assert match, ready_line
    return match.group(1)


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def demo():
    """The demo emulator as a subprocess: (process, API base URL, a service as the demo user)."""
    port = free_port()
    proc, line = start("emulator", "--port", str(port), "--seed", "demo")
    try:
        api = api_url(line)
        assert f":{port}/" in api
        base = api.split("/calendar/v3/")[0]
        info = post_json(base + "/_emulator/accounts", {"email": DEMO})
        creds = Credentials(token=None, refresh_token=info["refresh_token"],
                            client_id=info["client_id"], client_secret=info["client_secret"],
                            token_uri=info["token_uri"])
        http = google_auth_httplib2.AuthorizedHttp(creds, http=httplib2.Http(timeout=30))
        svc = build("calendar", "v3", http=http, static_discovery=True,
                    client_options={"api_endpoint": api})
        yield proc, api, svc
    finally:
        stop_process(proc)
    assert proc.returncode is not None


@pytest.fixture(scope="module")
def calendars(demo):
    _, _, svc = demo
    return {entry["summary"]: entry for entry in svc.calendarList().list().execute()["items"]}


@pytest.fixture(scope="module")
def events(demo, calendars):
    """Every stored event of the demo account's calendars (masters, exceptions, tombstones)."""
    _, _, svc = demo
    out = []
    for entry in calendars.values():
        request = svc.events().list(calendarId=entry["id"], showDeleted=True, maxResults=2500)
        out += [dict(item, calendar=entry["summary"])
                for item in request.execute()["items"]]
    return out


def test_ready_line_names_api_token_and_control(demo):
    proc, api, _ = demo
    assert proc.poll() is None
    with urllib.request.urlopen(api.replace("/calendar/v3/", "/_emulator/health"),
                                timeout=30) as response:
        health = json.load(response)
    assert health["status"] == "ok" and health["api"] == api
    assert health["token_uri"].startswith(api.split("/calendar/v3/")[0])


def test_demo_has_three_calendars(calendars):
    assert len(calendars) == 3
    [primary] = [e for e in calendars.values() if e.get("primary")]
    assert primary["id"] == DEMO and primary["accessRole"] == "owner"
    assert calendars["Work"]["accessRole"] == "owner"
    assert calendars["Holidays"]["accessRole"] == "reader"
    assert primary["timeZone"] == "Europe/Berlin"


def test_recurring_series_with_moved_and_cancelled_instances(demo, calendars, events):
    masters = {e["id"]: e for e in events if e.get("recurrence")}
    moved = [e for e in events if e.get("recurringEventId") in masters
             and e["status"] == "confirmed"]
    cancelled = [e for e in events if e.get("recurringEventId") in masters
                 and e["status"] == "cancelled"]
    assert moved and cancelled
    assert {e["recurringEventId"] for e in moved} & {e["recurringEventId"] for e in cancelled}
    assert all(e.get("originalStartTime") for e in moved + cancelled)
    assert any(e["start"] != e["originalStartTime"] for e in moved)
    # The real client expands the standup: the cancelled instance is gone, the moved one kept.
    _, _, svc = demo
    standup = next(e for e in events if e.get("summary") == "Daily standup"
                   and e.get("recurrence"))
    instances = svc.events().instances(calendarId=calendars["Work"]["id"],
                                       eventId=standup["id"], maxResults=10).execute()["items"]
    gone = {e["id"] for e in cancelled if e["recurringEventId"] == standup["id"]}
    assert gone and not gone & {i["id"] for i in instances}
    assert any(i["summary"].endswith("(moved)") for i in instances)


def test_all_day_and_multi_day_events(events):
    all_day = [e for e in events if "date" in e.get("start", {}) and e["status"] == "confirmed"]
    assert all_day
    spans = {(dt.date.fromisoformat(e["end"]["date"]) - dt.date.fromisoformat(e["start"]["date"])
              ).days for e in all_day}
    assert 1 in spans and max(spans) > 1
    assert any(e["calendar"] == "Holidays" for e in all_day)


def test_events_in_at_least_three_time_zones(events):
    zones = {e["start"]["timeZone"] for e in events
             if "dateTime" in e.get("start", {}) and e["start"].get("timeZone")}
    assert {"Europe/Berlin", "America/New_York", "Asia/Tokyo"} <= zones


def test_attendees_and_reminder_overrides(events):
    with_attendees = [e for e in events if e.get("attendees")]
    assert with_attendees
    assert all(a.get("email") for e in with_attendees for a in e["attendees"])
    overrides = [e for e in events if e.get("reminders", {}).get("useDefault") is False]
    assert overrides and all(e["reminders"]["overrides"] for e in overrides)


def test_port_zero_prints_a_usable_url():
    proc, line = start("emulator", "--port", "0")
    try:
        api = api_url(line)
        port = int(re.search(r":(\d+)/calendar/v3/", api).group(1))
        assert port != 0
        with urllib.request.urlopen(api.replace("/calendar/v3/", "/_emulator/health"),
                                    timeout=30) as response:
            assert json.load(response)["status"] == "ok"
    finally:
        stop_process(proc)
