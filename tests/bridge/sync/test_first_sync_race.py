"""Two processes on one SQLite file (``gcaldav link`` run again beside a serving bridge, after
a link was killed before its first sync) may both make a calendar's first sync; the one that
commits second must not insert its rows "without looking" on the strength of an earlier look
(found by the kill campaign: the second link failed with a UNIQUE constraint error)."""

from __future__ import annotations

import json

from sqlalchemy import text

from bridge.service import Bridge
from bridge.settings import Settings
from bridge.sync import engine as engine_module


def test_a_first_sync_that_another_process_beat_to_the_commit_succeeds(
        bridge, control, new_account, tmp_path, emulator, monkeypatch):
    info = new_account("race")
    email = info["account"]
    for n in range(3):
        control.post(f"/calendars/{email}/events", {
            "summary": f"Event {n}", "start": {"dateTime": f"2026-05-0{n + 1}T10:00:00Z"},
            "end": {"dateTime": f"2026-05-0{n + 1}T11:00:00Z"}})
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(info))
    account_id = bridge.link("alice", str(path))
    [calendar] = bridge.store.calendars_of_account(account_id)
    with bridge.store.write() as tx:        # as a link killed before its first sync left it
        for table in ("occurrences", "items", "google_events"):
            tx.conn.execute(text(f"DELETE FROM {table} WHERE calendar_id = :c"),
                            {"c": calendar.id})
        tx.set_calendar(calendar.id, sync_token=None, last_sync=0)
    other = Bridge(Settings(data_dir=bridge.settings.data_dir,
                            google_api_endpoint=emulator.emulator.api_url,
                            google_token_uri=emulator.emulator.token_url,
                            sleep=lambda seconds: None))
    render, raced = engine_module.materialise, []

    def render_while_the_other_process_commits(*args, **kwargs):
        if not raced:
            raced.append(True)
            bridge.engine.sync_calendar(calendar.id)        # "the server" commits first
        return render(*args, **kwargs)
    monkeypatch.setattr(engine_module, "materialise", render_while_the_other_process_commits)
    try:
        other.engine.sync_calendar(calendar.id)
    finally:
        other.store.engine.dispose()
    assert raced
    items = bridge.store.all_items(calendar.id)
    assert sorted(item.href for item in items) == sorted({item.href for item in items})
    assert len(items) == 3
