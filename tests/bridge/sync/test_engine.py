"""The sync engine on a real Bridge and store against the emulator over HTTP: full then
incremental syncs, 410 re-lists, deletions, an interrupted listing, re-rendering after a
time-zone change, the freshness window, and the calendar lease ordering syncs."""

from __future__ import annotations

import json
import threading

import pytest

from tests.support import wait_for

from bridge.google import GoogleError
from bridge.google import events as google_events
from bridge.model import Kind
from bridge.service import Bridge

from tests.bridge.sync.conftest import FRESHNESS


class Linked:
    """One emulator account linked to the bridge: its primary calendar, both sides."""

    def __init__(self, bridge: Bridge, control, email: str, account_id: int):
        self.bridge, self.control, self.email = bridge, control, email
        self.account_id = account_id
        [calendar] = bridge.store.calendars_of_account(account_id)
        self.id = calendar.id

    @property
    def calendar(self):
        return self.bridge.store.calendar(self.id)

    # Changes "as Google" (another device), through the control API.
    def add(self, body: dict) -> dict:
        return self.control.post(f"/calendars/{self.email}/events", body)

    def change(self, event_id: str, body: dict) -> dict:
        return self.control.patch(f"/calendars/{self.email}/events/{event_id}", body)

    def remove(self, event_id: str) -> None:
        self.control.delete(f"/calendars/{self.email}/events/{event_id}")

    def etags(self) -> dict[str, str]:
        return {item.href: item.etag for item in self.bridge.store.all_items(self.id)}

    def href_of(self, summary: str) -> str:
        [href] = [item.href for item in self.bridge.store.all_items(self.id)
                  if f"SUMMARY:{summary}\r\n" in item.text]
        return href

    def sync(self) -> int:
        return self.bridge.engine.sync_calendar(self.id)


def timed(summary: str, day: int = 4, **extra) -> dict:
    return {"summary": summary,
            "start": {"dateTime": f"2024-03-{day:02d}T10:00:00+01:00", "timeZone": "Europe/Berlin"},
            "end": {"dateTime": f"2024-03-{day:02d}T11:00:00+01:00", "timeZone": "Europe/Berlin"},
            **extra}


@pytest.fixture
def cal(bridge, control, new_account, tmp_path) -> Linked:
    """A linked account whose calendar held three events at its first (full) sync."""
    info = new_account("sync", time_zone="Europe/Berlin")
    email = info["account"]
    for n, summary in enumerate(("Alpha", "Beta", "Gamma"), 4):
        control.post(f"/calendars/{email}/events", timed(summary, n))
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(info))
    linked = Linked(bridge, control, email, bridge.link("alice", str(path)))
    assert len(linked.etags()) == 3 and linked.calendar.sync_token
    control.post("/stats/reset")
    return linked


def event_id(cal: Linked, summary: str) -> str:
    [event] = [e for e in cal.bridge.store.google_events(cal.id)
               if json.loads(e.data).get("summary") == summary]
    return event.event_id


def list_calls(control) -> int:
    return control.calls().get("events.list", 0)


# --- incremental, full, deletions ----------------------------------------------------------


def test_an_incremental_sync_picks_up_exactly_the_changed_resource(cal, control):
    before, revision, token = cal.etags(), cal.calendar.revision, cal.calendar.sync_token
    beta = cal.href_of("Beta")
    cal.change(event_id(cal, "Beta"), {"summary": "Beta 2"})
    assert cal.sync() == 1
    after = cal.etags()
    assert set(after) == set(before)
    assert {h for h in after if after[h] != before[h]} == {beta}
    assert cal.calendar.revision == revision + 1
    assert cal.bridge.store.changed_since(cal.id, revision) == [beta]
    assert "SUMMARY:Beta 2" in cal.bridge.store.item(cal.id, beta).text
    assert cal.calendar.sync_token != token
    assert list_calls(control) == 1
    # Nothing more on Google: nothing changes.
    assert cal.sync() == 0 and cal.etags() == after and cal.calendar.revision == revision + 1


def test_a_new_event_on_google_adds_one_resource(cal):
    revision = cal.calendar.revision
    cal.add(timed("Delta", 9))
    assert cal.sync() == 1
    delta = cal.href_of("Delta")
    assert cal.bridge.store.changed_since(cal.id, revision) == [delta]
    assert len(cal.etags()) == 4


def test_an_expired_sync_token_relists_in_full_and_shows_no_change(cal, control):
    before, revision, token = cal.etags(), cal.calendar.revision, cal.calendar.sync_token
    control.post(f"/calendars/{cal.email}/invalidate-sync-tokens")
    assert cal.sync() == 0
    assert cal.etags() == before
    assert cal.calendar.revision == revision
    assert cal.bridge.store.changed_since(cal.id, revision) == []
    assert cal.calendar.sync_token not in (None, token)
    assert list_calls(control) == 2                 # the 410, then the full listing


def test_a_full_relist_reports_only_what_changed_meanwhile(cal, control):
    before, revision = cal.etags(), cal.calendar.revision
    alpha, gamma = cal.href_of("Alpha"), cal.href_of("Gamma")
    cal.change(event_id(cal, "Alpha"), {"location": "Room 7"})
    cal.remove(event_id(cal, "Gamma"))
    control.post(f"/calendars/{cal.email}/invalidate-sync-tokens")
    assert cal.sync() == 2
    assert cal.bridge.store.changed_since(cal.id, revision) == sorted([alpha, gamma])
    assert cal.etags() == {h: e for h, e in before.items() if h != gamma} | {
        alpha: cal.etags()[alpha]}
    assert cal.etags()[alpha] != before[alpha]


def test_a_deletion_on_google_leaves_a_tombstone(cal):
    revision = cal.calendar.revision
    gamma = cal.href_of("Gamma")
    cal.remove(event_id(cal, "Gamma"))
    assert cal.sync() == 1
    store = cal.bridge.store
    assert store.item(cal.id, gamma) is None
    assert gamma not in cal.etags()
    assert store.changed_since(cal.id, revision) == [gamma]
    assert cal.calendar.revision == revision + 1
    assert not [e for e in store.google_events(cal.id)
                if json.loads(e.data).get("summary") == "Gamma"]


def test_a_series_deleted_on_google_leaves_one_tombstone(cal):
    series = cal.add(timed("Weekly", 11, recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"]))
    cal.change(f"{series['id']}_20240318T090000Z", {"summary": "Weekly (moved)"})
    cal.sync()
    href, revision = cal.href_of("Weekly"), cal.calendar.revision
    cal.remove(series["id"])                         # its exception goes with it
    assert cal.sync() == 1
    assert cal.bridge.store.item(cal.id, href) is None
    assert cal.bridge.store.changed_since(cal.id, revision) == [href]


def test_a_series_recreated_with_the_same_uid_does_not_inherit_old_exceptions(cal):
    weekly = timed("Weekly", 11, recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"])
    series = cal.add(weekly)
    cal.remove(f"{series['id']}_20240318T090000Z")
    cal.sync()
    cal.remove(series["id"])
    cal.sync()
    again = cal.add({**weekly, "iCalUID": series["iCalUID"]})
    assert again["id"] != series["id"]
    cal.sync()
    assert "EXDATE" not in cal.bridge.store.item(cal.id, cal.href_of("Weekly")).text


def test_a_cancelled_instance_changes_its_series_not_a_tombstone(cal):
    series = cal.add(timed("Weekly", 11, recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"]))
    cal.sync()
    href, revision = cal.href_of("Weekly"), cal.calendar.revision
    cal.remove(f"{series['id']}_20240318T090000Z")
    assert cal.sync() == 1
    item = cal.bridge.store.item(cal.id, href)
    assert "EXDATE;TZID=Europe/Berlin:20240318T100000" in item.text
    assert cal.bridge.store.changed_since(cal.id, revision) == [href]


def test_a_cancelled_instance_listed_before_its_new_series_still_counts(cal, monkeypatch):
    real = google_events.list_events

    def newest_first(*args, **kwargs):          # an order Google is free to use
        events, token = real(*args, **kwargs)
        return events[::-1], token

    monkeypatch.setattr(google_events, "list_events", newest_first)
    series = cal.add(timed("Weekly", 11, recurrence=["RRULE:FREQ=WEEKLY;COUNT=4"]))
    cal.remove(f"{series['id']}_20240318T090000Z")
    assert cal.sync() == 1
    item = cal.bridge.store.item(cal.id, cal.href_of("Weekly"))
    assert "EXDATE;TZID=Europe/Berlin:20240318T100000" in item.text


# --- an interrupted listing ------------------------------------------------------------------


def test_a_listing_failing_on_its_second_page_keeps_the_token_and_the_next_sync_converges(
        cal, control, monkeypatch):
    real = google_events.list_events
    monkeypatch.setattr(google_events, "list_events",      # pages of two events
                        lambda *args, **kwargs: real(*args, **{**kwargs, "page_size": 2}))
    for n in range(3):
        cal.add(timed(f"New {n}", 20 + n))
    cal.change(event_id(cal, "Alpha"), {"summary": "Alpha 2"})
    before, revision, token = cal.etags(), cal.calendar.revision, cal.calendar.sync_token
    stored = {e.event_id: e.etag for e in cal.bridge.store.google_events(cal.id)}

    pages = []

    def fail_after_first_page(method, outcome, seconds):
        # Called by the client after each attempt: once page 1 arrived, Google breaks.
        if method == "events.list" and outcome == "ok" and not pages:
            pages.append(1)
            control.post("/faults", {"kind": "error", "status": 500, "method": "events.list",
                                     "reason": "backendError", "count": 100})

    client = cal.bridge.client_for(cal.account_id)
    client.observers.append(fail_after_first_page)
    try:
        with pytest.raises(GoogleError):
            cal.sync()
    finally:
        client.observers.remove(fail_after_first_page)
        control.delete("/faults")
    assert pages == [1] and list_calls(control) > 2      # page 1, then failed attempts
    calendar = cal.calendar
    assert calendar.sync_token == token and calendar.revision == revision
    assert calendar.last_error and "500" in calendar.last_error
    assert cal.etags() == before
    assert {e.event_id: e.etag for e in cal.bridge.store.google_events(cal.id)} == stored

    assert cal.sync() == 4                               # three new, one changed
    assert len(cal.etags()) == 6 and cal.href_of("Alpha 2")
    assert cal.calendar.last_error is None and cal.calendar.sync_token != token
    # Converged: a full re-list finds nothing the incremental sync missed.
    control.post(f"/calendars/{cal.email}/invalidate-sync-tokens")
    settled = cal.etags()
    assert cal.sync() == 0 and cal.etags() == settled


# --- re-rendering ------------------------------------------------------------------------------


def test_a_calendar_zone_change_rerenders_only_resources_whose_text_changes(cal, control):
    # Only a time without its own zone is shown in the calendar's zone.
    cal.add({"summary": "Floating", "start": {"dateTime": "2024-03-05T09:00:00Z"},
             "end": {"dateTime": "2024-03-05T10:00:00Z"}})
    cal.add({"summary": "Holiday", "start": {"date": "2024-03-08"}, "end": {"date": "2024-03-09"}})
    cal.sync()
    floating = cal.href_of("Floating")
    assert "TZID=Europe/Berlin:20240305T100000" in cal.bridge.store.item(cal.id, floating).text
    before, revision = cal.etags(), cal.calendar.revision

    control.patch(f"/calendars/{cal.email}", {"time_zone": "America/New_York"})
    cal.bridge.engine.sync_calendar_list(cal.account_id)
    assert cal.calendar.time_zone == "America/New_York"
    after = cal.etags()
    assert {h for h in after if after[h] != before[h]} == {floating}
    assert "TZID=America/New_York:20240305T040000" in cal.bridge.store.item(cal.id, floating).text
    assert cal.calendar.revision == revision + 1
    assert cal.bridge.store.changed_since(cal.id, revision) == [floating]
    assert cal.bridge.engine.rerender(cal.id) == 0       # again: nothing left to change


# --- freshness ---------------------------------------------------------------------------------


def test_ensure_fresh_calls_google_only_outside_the_freshness_window(cal, control, clock):
    engine = cal.bridge.engine
    synced = cal.calendar.last_sync
    assert synced == clock.now
    clock.now += FRESHNESS - 1
    engine.ensure_fresh(cal.id)
    assert list_calls(control) == 0
    clock.now += 2
    engine.ensure_fresh(cal.id)
    assert list_calls(control) == 1
    assert cal.calendar.last_sync == clock.now
    engine.ensure_fresh(cal.id)                          # fresh again
    assert list_calls(control) == 1


def test_ensure_fresh_skips_google_while_push_watches_the_calendar(cal, control, clock):
    engine = cal.bridge.engine
    engine.push_healthy = lambda kind, key: (kind, key) == (Kind.EVENTS, cal.id)
    clock.now += 10 * FRESHNESS
    engine.ensure_fresh(cal.id)
    assert list_calls(control) == 0


def test_a_fresh_read_is_noted_without_asking_about_push(cal, control, clock):
    # Asking whether a channel watches the calendar is a query: only once the data is stale.
    engine, asked, read = cal.bridge.engine, [], []
    engine.push_healthy = lambda kind, key: asked.append(key) or True
    engine.client_read = lambda kind, key: read.append(key)
    engine.ensure_fresh(cal.id)
    assert (asked, read) == ([], [cal.id])
    clock.now += 10 * FRESHNESS
    engine.ensure_fresh(cal.id)
    assert (asked, read) == ([cal.id], [cal.id, cal.id])
    assert list_calls(control) == 0


def test_ensure_fresh_serves_the_cache_when_google_fails_and_does_not_pile_on(cal, control,
                                                                              clock):
    engine = cal.bridge.engine
    before = cal.etags()
    cal.change(event_id(cal, "Beta"), {"summary": "Beta 2"})
    clock.now += 2 * FRESHNESS
    control.post("/faults", {"kind": "error", "status": 503, "method": "events.list",
                             "count": 100})
    try:
        engine.ensure_fresh(cal.id)                      # no exception: the cache is served
        failed = list_calls(control)
        assert failed > 0 and cal.etags() == before
        clock.now += FRESHNESS / 2
        engine.ensure_fresh(cal.id)                      # Google failed moments ago
        assert list_calls(control) == failed
    finally:
        control.delete("/faults")
    clock.now += FRESHNESS
    engine.ensure_fresh(cal.id)
    assert cal.href_of("Beta 2")


# --- the calendar lease ------------------------------------------------------------------------


def test_a_sync_waits_for_the_holder_of_the_calendars_lease(cal, control):
    store, order = cal.bridge.store, []
    held, release = threading.Event(), threading.Event()
    cal.change(event_id(cal, "Beta"), {"summary": "Beta 2"})
    results: list = []

    def holder():
        with store.leases.exclusive(Kind.EVENTS, cal.id):
            held.set()
            release.wait(10)
            order.append("holder released")

    def syncer():
        results.append(cal.sync())
        order.append("synced")

    first = threading.Thread(target=holder)
    first.start()
    assert held.wait(10)
    second = threading.Thread(target=syncer)
    second.start()
    try:
        wait_for(lambda: store.leases.waiting(Kind.EVENTS, cal.id) == 1, what="sync to queue")
        assert order == [] and list_calls(control) == 0   # no Google call while it waits
    finally:
        release.set()
        first.join(10)
        second.join(10)
    assert not first.is_alive() and not second.is_alive()
    assert order == ["holder released", "synced"]
    assert results == [1] and list_calls(control) == 1
    assert store.leases.waiting(Kind.EVENTS, cal.id) == 0



def test_requests_queued_behind_a_sync_share_it(cal, control, clock):
    """Two readers find the calendar stale while the lease is held: they share one refresh
    (one waiter on the lease), which syncs once; neither calls Google again."""
    store, engine = cal.bridge.store, cal.bridge.engine
    clock.now += 2 * FRESHNESS
    held, release = threading.Event(), threading.Event()

    def holder():
        with store.leases.exclusive(Kind.EVENTS, cal.id):
            held.set()
            release.wait(10)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    assert held.wait(10)
    threads += [threading.Thread(target=engine.ensure_fresh, args=(cal.id,)) for _ in range(2)]
    for thread in threads[1:]:
        thread.start()
    try:
        wait_for(lambda: store.leases.waiting(Kind.EVENTS, cal.id) == 1, what="the refresh to queue")
    finally:
        release.set()
        for thread in threads:
            thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    assert list_calls(control) == 1
    assert cal.calendar.last_sync == clock.now
