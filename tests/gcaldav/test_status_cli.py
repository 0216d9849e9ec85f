"""`gcaldav status --config FILE`: per account and calendar, last sync, lag, channel expiry
and last error, read from the store of a running bridge."""

from __future__ import annotations

import re

from bridge.model import Kind

from gcaldav.cli import main


def status(server, capsys) -> tuple[int, str, str]:
    code = main(["status", "--config", str(server.config_path)])
    out, err = capsys.readouterr()
    return code, out, err


def line_of(out: str, name: str) -> str:
    return next(line for line in out.splitlines() if line.strip().startswith(name))


def test_status_shows_sync_lag_channel_expiry_and_last_error(make_bridge, alice, control,
                                                             wait_for, capsys):
    team = control.post("/calendars", {"owner": alice["account"], "summary": "Team"})["id"]
    server = make_bridge(alice, push=True, freshness=0)
    bridge = server.bridge
    wait_for(lambda: all(bridge.scheduler.channels.healthy(Kind.EVENTS, c.id)
                         for c in bridge.store.calendars("alice")), 10, "push channels")
    team_row = next(c for c in bridge.store.calendars("alice") if c.google_id == team)
    control.post("/faults", {"kind": "error", "status": 404, "reason": "notFound",
                             "method": "events.list", "calendar": team})
    control.post(f"/calendars/{team}/events", {         # pushed; its sync fails at Google
        "summary": "x", "start": {"date": "2026-07-01"}, "end": {"date": "2026-07-02"}})
    wait_for(lambda: bridge.store.calendar(team_row.id).last_error, 5, "the failed sync")
    code, out, err = status(server, capsys)
    assert code == 0 and err == ""
    assert f"alice <{alice['account']}>" in out
    primary = line_of(out, next(c.name for c in bridge.store.calendars("alice")
                                if c.id != team_row.id))
    failing = line_of(out, "Team")                      # by name, not by URL slug
    listing = line_of(out, "(calendar list)")
    for line in (primary, failing, listing):
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", line), line     # last sync
        assert re.search(r" \d+[smhd]\S* ", line), line                      # lag
        assert re.search(r"in 6d23h|in 7d", line), line                     # channel expiry
    assert line_of(out, "(calendar list)").rstrip().endswith("-")
    assert "NotFound: Google answered 404 notFound" in failing
    assert primary.rstrip().endswith("-")


def test_status_without_push_and_before_any_sync(make_bridge, alice, capsys):
    server = make_bridge(alice)
    code, out, _ = status(server, capsys)
    assert code == 0
    assert "none" in line_of(out, "(calendar list)")     # no channel without push_url


def test_status_with_a_missing_config_file_is_a_clear_error(tmp_path, capsys):
    code = main(["status", "--config", str(tmp_path / "nope.conf")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "gcaldav status:" in err and "nope.conf" in err


def test_status_before_anything_was_linked_says_so(tmp_path, capsys):
    config = tmp_path / "config"
    config.write_text(f"[storage]\ntype = radicale_plugin\ndata_dir = {tmp_path / 'data'}\n")
    code = main(["status", "--config", str(config)])
    _, err = capsys.readouterr()
    assert code == 1 and "no database" in err and "link" in err
