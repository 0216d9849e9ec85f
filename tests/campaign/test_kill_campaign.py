"""kill -9 at seeded random moments, restart, convergence (see killing.py for the judgement).

Points, in turn by seed: a full re-list (410) slowed by Google, a re-list of two pages
(2,600 events) between or inside its pages, a client's create and a client's modify after
Google applied them (their replies lost, the look-up slow), a burst of Google changes with
push on, and early in ``gcaldav link``. The moment of the kill is drawn from the seed; what
the process was doing then is up to the machine, so every run is judged by the end state.

A few runs by default; the full 50 under slow: ``pytest tests/campaign -m slow -k kill``.
"""

from __future__ import annotations

import random
import re
import subprocess
import time

import pytest

from bridge.service import Bridge
from bridge.settings import Settings
from tests.campaign.killing import Rig, in_thread, pause
from tests.campaign.workload import caldav_view, google_truth, ical
from tests.support import wait_for

POINTS = ["full_sync", "pages", "create", "modify", "burst", "link"]
FAST_SEEDS = [0, 3, 5]                  # a full re-list, a modify, a link
SLOW_SEEDS = range(1000, 1050)


def event(summary: str, hour: int = 9) -> dict:
    return {"summary": summary, "start": {"dateTime": f"2026-07-01T{hour:02d}:00:00Z"},
            "end": {"dateTime": f"2026-07-01T{hour:02d}:30:00Z"}}


@pytest.fixture
def rig(tmp_path, emulator, new_account, control):
    made = []

    def make(push: bool = False) -> Rig:
        account = new_account("killed")
        for n in range(5):
            control.post(f"/calendars/{account['account']}/events", event(f"Old {n}", 8 + n))
        made.append(Rig(tmp_path, emulator, account, push=push))
        return made[-1]
    yield make
    for one in made:
        one.stop()


def link_in_process(rig: Rig) -> None:
    bridge = Bridge(Settings(data_dir=str(rig.tmp / "data"),
                             google_api_endpoint=rig.emulator.emulator.api_url,
                             google_token_uri=rig.emulator.emulator.token_url))
    bridge.link("alice", str(rig.credentials))
    bridge.store.engine.dispose()


def google_changes(control, r: Rig, rng: random.Random, count: int) -> None:
    """Changes on Google the killed bridge will have missed: inserts, patches, deletes."""
    cal = r.calendar
    for n in range(count):
        live = sorted(ids[0][0] for ids in google_truth(r.emulator, cal).values())
        roll = rng.random()
        if roll < 0.6 or not live:
            control.post(f"/calendars/{cal}/events", event(f"New {n}-{rng.random():.6f}",
                                                           8 + n % 10))
        elif roll < 0.85:
            control.patch(f"/calendars/{cal}/events/{rng.choice(live)}",
                          {"summary": f"Changed {n}"})
        else:
            control.delete(f"/calendars/{cal}/events/{rng.choice(live)}")


def run_kill(seed: int, rig, control) -> str:
    rng = random.Random(seed)
    point = POINTS[seed % len(POINTS)]
    started = time.monotonic()
    r = rig(push=point == "burst")
    cal = r.calendar
    if point == "link":
        return point + ": " + kill_during_link(r, control, rng)
    link_in_process(r)
    r.serve()
    url = r.url()
    token, before = r.snapshot(url)         # a client in sync, just before the trouble
    hrefs = sorted(before)
    if point == "full_sync":
        google_changes(control, r, rng, 3)
        control.post(f"/calendars/{cal}/invalidate-sync-tokens")
        control.post("/faults", {"kind": "delay", "method": "events.list", "seconds": 1.0})
        in_thread(lambda: r.session.request("PROPFIND", url, headers={"Depth": "1"},
                                            timeout=60))
        pause(rng.uniform(0.05, 1.3))
    elif point == "pages":
        control.post(f"/calendars/{cal}/events:bulk", {"events": [
            event(f"Bulk {n}", 8 + n % 10) for n in range(2600)]})
        control.post(f"/calendars/{cal}/invalidate-sync-tokens")
        control.post("/faults", {"kind": "delay", "method": "events.list", "seconds": 0.5,
                                 "count": 2})
        in_thread(lambda: r.session.request("PROPFIND", url, headers={"Depth": "1"},
                                            timeout=60))
        pause(rng.uniform(0.1, 3.5))
    elif point in ("create", "modify"):
        method = "events.insert" if point == "create" else "events.patch"
        control.post("/faults", {"kind": "lose_reply", "method": method,
                                 "count": rng.choice([1, 2])})
        control.post("/faults", {"kind": "delay", "method": "events.get", "seconds": 1.0,
                                 "count": 2})
        target = (f"killed-{seed}.ics" if point == "create"
                  else hrefs[rng.randrange(len(hrefs))].rsplit("/", 1)[-1])
        uid = f"killed-{seed}" if point == "create" else None
        text = ical(uid, f"Client {seed}") if uid else None
        if point == "modify":
            current = r.session.get(url + target, timeout=60).text
            text = current.replace("SUMMARY:", f"SUMMARY:Client {seed} ", 1)
        in_thread(lambda: r.session.put(url + target, data=text.encode(), timeout=60,
                                        headers={"Content-Type": "text/calendar"}))
        pause(rng.uniform(0.05, 1.2))
    elif point == "burst":
        wait_for(lambda: len([c for c in control.get("/channels")["channels"]
                              if str(r.port) in c["address"] and c["live"]]) >= 2,
                 15, "push channels")
        burst = in_thread(lambda: google_changes(control, r, rng, 30))
        pause(rng.uniform(0.05, 1.0))
    r.kill()
    if point == "burst":
        burst.join(30)
    control.request("DELETE", "/faults")
    r.serve()
    if point in ("create", "modify"):
        # The client heard nothing and tries again: harmless, never a second event.
        answer = r.session.put(url + target, data=text.encode(), timeout=60,
                               headers={"Content-Type": "text/calendar"})
        assert answer.status_code in (201, 204), (answer.status_code, answer.text)
    ok = wait_for(lambda: r.converged(url)[0], 40, what=None)
    assert ok, f"seed {seed} ({point}) did not converge:\n{r.converged(url)[1]}"
    verdict = r.check(url, token, before)
    return f"{point}: {verdict}, {time.monotonic() - started:.1f} s"


def kill_during_link(r: Rig, control, rng: random.Random) -> str:
    """Killed early in ``gcaldav link``: serving afterwards never answers 500, and linking
    again (what the user does) brings the account."""
    control.post("/faults", {"kind": "delay", "method": "events.list", "seconds": 0.5})
    control.post("/faults", {"kind": "delay", "method": "calendarList.list", "seconds": 0.3})
    proc = subprocess.Popen(r.link_command(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pause(rng.uniform(0.1, 2.5))
    finished = proc.poll() is not None
    proc.kill()
    proc.wait(30)
    control.request("DELETE", "/faults")
    r.serve()
    home = r.session.request("PROPFIND", f"{r.process.url}/alice/", headers={"Depth": "1"},
                             timeout=60)
    assert home.status_code < 500, home.status_code
    # Whatever the killed link left behind is served (or not) without a 500.
    collections = set(re.findall(r"<[^>]*href>(/alice/[^<]+/)</", home.text)) - {"/alice/"}
    for path in collections:
        status, _ = caldav_view(r.session, r.process.url + path)
        assert status < 500, (path, status)
    r.link()                                # again, as the user would
    url = r.url()
    ok = wait_for(lambda: r.converged(url)[0], 40, what=None)
    assert ok, f"did not converge after a killed link:\n{r.converged(url)[1]}"
    state = "had finished" if finished else f"killed, {len(collections)} collections left"
    return f"link {state}; converged after linking again"


@pytest.mark.parametrize("seed", FAST_SEEDS)
def test_kill_campaign(seed, rig, control):
    print(f"\nkill seed {seed}: {run_kill(seed, rig, control)}")


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_kill_campaign_full(seed, rig, control):
    print(f"\nkill seed {seed}: {run_kill(seed, rig, control)}")
