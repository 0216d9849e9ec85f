"""Three ``gcaldav serve`` processes on one PostgreSQL database, with the emulator as Google:
concurrent clients and Google-side changes end in one agreed state; a process killed while
holding a calendar's lease is replaced; background work and push channels happen once across
the processes; a notification at any process syncs once. Needs PostgreSQL (skips without)."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bridge.store.db_leases import LEASE_EXPIRY
from gcaldav.cli import main
from gcaldav.configfile import bridge_config
from tests.databases import fresh_postgresql
from tests.gcaldav.cluster import Cluster
from tests.support import wait_for

CLIENTS = 30


@pytest.fixture
def database():
    with fresh_postgresql() as url:
        yield url


@pytest.fixture
def make_cluster(tmp_path, database, emulator, alice):
    clusters = []

    def make(**storage) -> tuple[Cluster, str]:
        cluster = Cluster(tmp_path, database, emulator, alice, **storage)
        clusters.append(cluster)
        collection = cluster.link(tmp_path)
        cluster.start()
        return cluster, collection
    yield make
    for cluster in clusters:
        cluster.stop()


def ical(uid: str, summary: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T090000Z\r\n"
            f"DTEND:20260310T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def google_events(svc, calendar_id: str) -> list[dict]:
    events, token = [], None
    while True:
        page = svc.events().list(calendarId=calendar_id, pageToken=token,
                                 maxResults=250).execute()
        events += page.get("items", [])
        token = page.get("nextPageToken")
        if not token:
            return events


def client(process, collection: str, n: int) -> dict:
    """One CalDAV client: creates two events, renames one, deletes the other, reads. Answers
    uid -> the summary it should now have on Google (None: deleted), for 201/204 answers."""
    expected, statuses = {}, []
    keep, drop = f"keep-{n}-{uuid.uuid4()}", f"drop-{n}-{uuid.uuid4()}"
    for uid in (keep, drop):
        answer = process.session.put(process.url + collection + f"{uid}.ics",
                                     data=ical(uid, f"first {n}"), timeout=120,
                                     headers={"Content-Type": "text/calendar",
                                              "If-None-Match": "*"})
        statuses.append(answer.status_code)
        if answer.status_code == 201:
            expected[uid] = f"first {n}"
    answer = process.session.put(process.url + collection + f"{keep}.ics",
                                 data=ical(keep, f"renamed {n}"), timeout=120,
                                 headers={"Content-Type": "text/calendar"})
    statuses.append(answer.status_code)
    # A failed change may or may not have reached Google: only successes are promises.
    if answer.status_code in (201, 204):
        expected[keep] = f"renamed {n}"
    else:
        expected.pop(keep, None)
    answer = process.session.delete(process.url + collection + f"{drop}.ics", timeout=120)
    statuses.append(answer.status_code)
    if answer.status_code == 204:
        expected[drop] = None
    else:
        expected.pop(drop, None)
    process.uids(collection)
    return {"expected": expected, "statuses": statuses}


def google_side(svc, calendar_id: str, stop: threading.Event) -> set[str]:
    """Changes made in Google Calendar meanwhile: inserts, and a delete of every third."""
    kept, n = set(), 0
    while not stop.is_set() and n < 30:
        event = svc.events().insert(calendarId=calendar_id, body={
            "summary": f"google {n}", "start": {"dateTime": "2026-03-11T09:00:00Z"},
            "end": {"dateTime": "2026-03-11T10:00:00Z"}}).execute()
        if n % 3 == 2:
            svc.events().delete(calendarId=calendar_id, eventId=event["id"]).execute()
        else:
            kept.add(event["iCalUID"])
        n += 1
    return kept


def test_thirty_clients_on_three_processes_end_in_googles_state(make_cluster, svc, alice):
    cluster, collection = make_cluster(freshness=30, sync_interval=2, active_sync_interval=2)
    stop = threading.Event()
    with ThreadPoolExecutor(CLIENTS + 1) as pool:
        google = pool.submit(google_side, svc, alice["account"], stop)
        results = list(pool.map(
            lambda n: client(cluster.processes[n % 3], collection, n), range(CLIENTS)))
        stop.set()
        google_kept = google.result()
    statuses = Counter(s for r in results for s in r["statuses"])
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses[201] + statuses[204] >= CLIENTS * 3, statuses   # nearly all succeed

    events = google_events(svc, alice["account"])
    per_uid = Counter(e["iCalUID"] for e in events)
    assert [uid for uid, count in per_uid.items() if count > 1] == []   # no duplicates
    summaries = {e["iCalUID"]: e.get("summary") for e in events}
    for result in results:
        for uid, summary in result["expected"].items():     # every 201/204 is true
            assert summaries.get(uid) == summary, (uid, summary, result["statuses"])
    assert google_kept <= set(summaries)

    for process in cluster.processes:
        wait_for(lambda: sorted(process.uids(collection)) == sorted(summaries), timeout=60,
                 what=f"{process.url} to serve Google's state")


def test_a_process_killed_holding_a_lease_mid_sync_is_replaced_within_its_expiry(
        make_cluster, svc, alice, control):
    cluster, collection = make_cluster(freshness=0.5, sync_interval=3600)
    calendar_id = cluster.calendar_id()
    for n in range(20):
        svc.events().insert(calendarId=alice["account"], body={
            "summary": f"new {n}", "start": {"dateTime": "2026-03-12T09:00:00Z"},
            "end": {"dateTime": "2026-03-12T10:00:00Z"}}).execute()
    control.post("/faults", {"kind": "delay", "method": "events.list", "seconds": 10,
                             "count": 1})
    victim, survivor = cluster.processes[0], cluster.processes[1]
    reader = threading.Thread(target=lambda: _ignore_errors(victim.uids, collection),
                              daemon=True)
    reader.start()                      # its sync waits on the slow listing, lease held
    wait_for(lambda: cluster.lease_holders(calendar_id) == 1, timeout=30,
             what="the first process to hold the calendar's lease")
    os.kill(victim.proc.pid, signal.SIGKILL)
    victim.proc.wait(30)
    google = sorted(e["iCalUID"] for e in google_events(svc, alice["account"]))
    served = []

    def converged() -> bool:
        # A request waits for Google at most a bounded time and is then served from the
        # store, so the survivor's answers converge once its sync got the lease.
        served[:] = survivor.uids(collection)
        return sorted(served) == google
    wait_for(converged, timeout=LEASE_EXPIRY, what="the survivor to serve Google's events")
    assert len(set(served)) == len(served) == 20


def _ignore_errors(read, collection: str) -> None:
    try:
        read(collection)
    except Exception:       # the server dies under this request: that is the point
        pass


def test_background_polls_happen_once_per_period_across_three_processes(make_cluster,
                                                                        control):
    interval = 2.0
    cluster, _ = make_cluster(freshness=3600, sync_interval=interval,
                              active_sync_interval=interval, calendar_list_interval=3600)
    control.post("/stats/reset")
    started = time.monotonic()
    wait_for(lambda: control.get("/stats")["calls"].get("events.list", 0) >= 4, timeout=60,
             what="four background polls")
    calls = control.get("/stats")["calls"].get("events.list", 0)
    elapsed = time.monotonic() - started
    # Three processes each polling on their own would list three times per period.
    assert calls <= elapsed / interval + 2, (calls, elapsed)


def test_push_channels_are_made_once_and_a_notification_at_any_process_syncs_once(
        make_cluster, control):
    # The public address is the first process; a load balancer could hand any process a
    # notification, which the test does by posting Google's headers to the others.
    cluster, _ = make_cluster(freshness=3600, sync_interval=3600, calendar_list_interval=3600,
                              push_url="http://127.0.0.1:{first_port}")
    live = wait_for(lambda: (found := _live_channels(control, cluster)) and len(found) >= 2
                    and found, timeout=60, what="two channels")
    assert len(live) == 2           # the calendar list and the calendar, each once
    [channel] = [c for c in live if "/events" in c["resourceUri"]]
    for number, process in enumerate(cluster.processes[1:], start=100):
        control.post("/stats/reset")
        answer = process.session.post(process.url + "/.gcaldav/push", headers={
            "X-Goog-Channel-ID": channel["id"], "X-Goog-Channel-Token": channel["token"],
            "X-Goog-Resource-ID": channel["resourceId"], "X-Goog-Resource-State": "exists",
            "X-Goog-Message-Number": str(number)}, timeout=30)
        assert answer.status_code == 200
        wait_for(lambda: control.get("/stats")["calls"].get("events.list", 0) >= 1,
                 timeout=30, what="the sync the notification asked for")
        assert control.get("/stats")["calls"].get("events.list", 0) == 1


def _live_channels(control, cluster) -> list[dict]:
    """This cluster's live channels: the emulator is shared with earlier tests, whose stopped
    servers leave channels of their own until they expire."""
    address = cluster.processes[0].url
    return [c for c in control.get("/channels")["channels"]
            if c["live"] and c["address"].startswith(address)]


def _notify(process, channel: dict, number: int) -> None:
    answer = process.session.post(process.url + "/.gcaldav/push", headers={
        "X-Goog-Channel-ID": channel["id"], "X-Goog-Channel-Token": channel["token"],
        "X-Goog-Resource-ID": channel["resourceId"], "X-Goog-Resource-State": "exists",
        "X-Goog-Message-Number": str(number)}, timeout=30)
    assert answer.status_code == 200


def _accepted(process, reason: str) -> float:
    metrics = process.session.get(process.url + "/metrics", timeout=30).text
    found = re.search(r'^gcaldav_push_notifications_total\{outcome="accepted",'
                      rf'reason="{reason}"\}} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_notification_delivered_twice_to_two_processes_syncs_once(make_cluster, control):
    cluster, _ = make_cluster(freshness=3600, sync_interval=3600, calendar_list_interval=3600,
                              push_url="http://127.0.0.1:{first_port}")
    channel = wait_for(lambda: [c for c in _live_channels(control, cluster)
                                if "/events" in c["resourceUri"]],
                       timeout=60, what="a calendar's channel")[0]
    first, second = cluster.processes[1], cluster.processes[2]
    control.post("/stats/reset")
    _notify(first, channel, 500)
    wait_for(lambda: control.get("/stats")["calls"].get("events.list", 0) >= 1, timeout=30,
             what="the sync the notification asked for")
    _notify(second, channel, 500)           # Google's retry, to another process
    assert _accepted(second, "duplicate") == 1
    _notify(second, channel, 501)           # a new change: synced once more, no more
    wait_for(lambda: control.get("/stats")["calls"].get("events.list", 0) >= 2, timeout=30,
             what="the sync the next notification asked for")
    assert _accepted(second, "change") == 1
    assert control.get("/stats")["calls"].get("events.list", 0) == 2


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _access_log_pids(log: Path) -> set[int]:
    return {int(pid) for pid in re.findall(r"\[(\d+)\] gcaldav\.access:", log.read_text())}


def test_serve_with_three_workers_serves_from_each_replaces_a_dead_one_and_polls_once(
        tmp_path, database, emulator, alice, control):
    interval = 2.0
    cluster = Cluster(tmp_path, database, emulator, alice, processes=1, freshness=3600,
                      sync_interval=interval, active_sync_interval=interval,
                      calendar_list_interval=3600, access_log="true")
    assert main(["migrate", "--config", str(cluster.processes[0].config)]) == 0   # README
    collection = cluster.link(tmp_path)
    server = cluster.processes[0]
    server.options, server.log = ("--workers", "3"), tmp_path / "serve.log"
    try:
        cluster.start()
        parent = server.proc.pid
        workers = wait_for(lambda: len(_children(parent)) == 3 and _children(parent),
                           timeout=60, what="three workers")

        def each_served() -> bool:
            answer = server.session.request("PROPFIND", server.url + collection,
                                            headers={"Depth": "0"}, timeout=30)
            assert answer.status_code == 207
            return _access_log_pids(server.log) >= set(workers)
        wait_for(each_served, timeout=60, what="a request served by each worker")

        control.post("/stats/reset")
        started = time.monotonic()
        wait_for(lambda: control.get("/stats")["calls"].get("events.list", 0) >= 4,
                 timeout=60, what="four background polls")
        calls = control.get("/stats")["calls"].get("events.list", 0)
        # Three workers each polling on their own would list three times per period.
        assert calls <= (time.monotonic() - started) / interval + 2, calls

        os.kill(workers[0], signal.SIGKILL)
        replaced = wait_for(lambda: len(c := _children(parent)) == 3
                            and workers[0] not in c and c, timeout=60,
                            what="the dead worker replaced")
        assert server.session.get(server.url + "/healthz", timeout=30).ok
    finally:
        cluster.stop()
    assert server.proc.returncode == 0          # stopped on SIGTERM, workers and all
    assert not [pid for pid in replaced if Path(f"/proc/{pid}").exists()]


def test_serve_refuses_several_workers_on_sqlite(tmp_path, capsys):
    config = tmp_path / "config"
    config.write_text(bridge_config(htpasswd=tmp_path / "users", data_dir=tmp_path / "data"))
    assert main(["serve", "--config", str(config), "--workers", "2"]) == 2
    assert "--workers needs PostgreSQL" in capsys.readouterr().err
