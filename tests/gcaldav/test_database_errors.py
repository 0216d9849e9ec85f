"""PostgreSQL failing under a link or a sync (a constraint the rows break, a 32-bit column an
open-ended series overflows) is reported with the database's reason but without the event
text being stored: not on the terminal, not in the server's log, not as the calendar's last
error or in ``gcaldav status``. Needs PostgreSQL (skips without)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gcaldav.configfile import bridge_config
from tests.databases import fresh_postgresql
from tests.gcaldav.cluster import Process
from tests.support import free_port, wait_for

SUMMARY = "Board offsite in Lisbon 9c2e"
DESCRIPTION = "Confidential agenda: acquisition 5d1b"
GUEST = "Dr. Ines 7f3a"
SECRETS = (SUMMARY, DESCRIPTION, GUEST, "Lisbon", "9c2e", "5d1b", "7f3a")
# A constraint the stored Google event breaks. PostgreSQL's DETAIL quotes the failing row,
# each value's first 64 bytes: the event's JSON begins with its guests' names.
SABOTAGE = ("ALTER TABLE google_events ADD CONSTRAINT sabotage "
            "CHECK (data NOT LIKE '%7f3a%')")


@pytest.fixture
def database():
    with fresh_postgresql() as url:
        yield url


@pytest.fixture
def setup(tmp_path, database, emulator, alice):
    (tmp_path / "users").write_text("alice:secret\n")
    config = tmp_path / "config"
    config.write_text(bridge_config(
        htpasswd=tmp_path / "users", data_dir=tmp_path / "data", database=database,
        api=emulator.emulator.api_url, token_uri=emulator.emulator.token_url,
        sync_interval=1, active_sync_interval=1, freshness=3600))
    credentials = tmp_path / "google.json"
    credentials.write_text(json.dumps(alice))
    assert gcaldav("migrate", "--config", str(config)).returncode == 0
    return config, credentials


def gcaldav(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gcaldav.cli", *args], capture_output=True,
                          text=True, timeout=180)


def alter(database: str, statement: str) -> None:
    engine = create_engine(database)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def secret_event(svc, alice, **extra) -> None:
    svc.events().insert(calendarId=alice["account"], body={
        "summary": SUMMARY, "description": DESCRIPTION, **extra,
        "attendees": [{"displayName": GUEST, "email": "guest@example.com"}],
        "start": {"dateTime": "2026-03-10T09:00:00Z", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-10T10:00:00Z", "timeZone": "UTC"}}).execute()


def assert_no_event_text(output: str) -> None:
    assert not [s for s in SECRETS if s in output], output[-3000:]


def test_a_link_failing_on_a_constraint_says_why_without_the_event_text(setup, database,
                                                                          svc, alice):
    config, credentials = setup
    secret_event(svc, alice)
    alter(database, SABOTAGE)
    done = gcaldav("link", "--config", str(config), "alice", str(credentials))
    assert done.returncode != 0
    assert 'violates check constraint "sabotage"' in done.stderr, done.stderr[-3000:]
    assert_no_event_text(done.stdout + done.stderr)


def test_a_link_overflowing_a_column_says_why_without_the_event_text(setup, database, svc,
                                                                       alice):
    config, credentials = setup
    # The case: open-ended series end in 9999, beyond a 32-bit INTEGER column.
    secret_event(svc, alice, recurrence=["RRULE:FREQ=WEEKLY"])
    alter(database, 'ALTER TABLE items ALTER COLUMN "end" TYPE integer')
    done = gcaldav("link", "--config", str(config), "alice", str(credentials))
    assert done.returncode != 0
    assert "NumericValueOutOfRange" in done.stderr, done.stderr[-3000:]
    assert_no_event_text(done.stdout + done.stderr)


def test_a_failing_sync_in_the_server_logs_and_stores_no_event_text(setup, database, svc,
                                                                      alice, tmp_path):
    config, credentials = setup
    assert gcaldav("link", "--config", str(config), "alice", str(credentials)).returncode == 0
    alter(database, SABOTAGE)
    server = Process(free_port(), config, log=tmp_path / "serve.log").start()
    try:
        secret_event(svc, alice)        # the next background sync cannot store it
        engine = create_engine(database)
        with engine.connect() as conn:
            error = wait_for(lambda: conn.execute(text(
                "SELECT last_error FROM calendars WHERE google_id = :g"),
                {"g": alice["account"]}).scalar(), timeout=60, what="the sync to fail")
        engine.dispose()
        # The failure is logged, with its reason (after it is stored: wait for the line
        # before stopping the server).
        wait_for(lambda: "sabotage" in Path(server.log).read_text(), timeout=30,
                 what="the failure in the server's log")
    finally:
        server.proc.terminate()
        server.proc.wait(30)
    assert "sabotage" in error
    assert_no_event_text(error)
    log = Path(server.log).read_text()
    assert_no_event_text(log)
    status = gcaldav("status", "--config", str(config))
    assert "sabotage" in status.stdout
    assert_no_event_text(status.stdout + status.stderr)
