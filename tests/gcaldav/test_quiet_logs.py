"""The log of a real ``gcaldav serve`` process under a flood: forged push notifications and
refused writes that quote private text. Hundreds of refusals make one line each kind (the
count follows on the next line of the kind), no traceback, never the client's text."""

from __future__ import annotations

import subprocess
import sys
import uuid

import requests

from gcaldav.web.routes import WEBHOOK_PATH
from tests.support import free_port, stop_process, wait_for

FORGED = 300
PRIVATE = "Private words 7f3a"


def test_a_flood_of_refusals_makes_a_few_lines_without_private_text(make_bridge, alice,
                                                                   tmp_path):
    server = make_bridge(alice, push=True)
    calendar = server.calendar_url(alice["account"]).removeprefix(server.url)
    server.stop()                   # the same data, served by a process of its own
    port = free_port()
    text = server.config_path.read_text()
    server.config_path.write_text(text.replace(f"push_url = http://127.0.0.1:{server.port}",
                                               f"push_url = http://127.0.0.1:{port}"))
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gcaldav.cli", "serve", "--config",
                                 str(server.config_path), "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(base), 60, "the server")
        session = requests.Session()
        for n in range(FORGED):
            answer = session.post(base + WEBHOOK_PATH, timeout=10, headers={
                "X-Goog-Channel-ID": uuid.uuid4().hex, "X-Goog-Message-Number": str(n),
                "X-Goog-Resource-ID": "r", "X-Goog-Resource-State": "exists",
                "X-Goog-Channel-Token": "t"})
            assert answer.status_code == 403
        session.auth = ("alice", "secret")
        for n in range(30):
            answer = session.put(base + calendar + f"g{n}.ics", timeout=10,
                                 data=f"BEGIN:VCALENDAR\r\n{PRIVATE} {n}",
                                 headers={"Content-Type": "text/calendar"})
            assert 400 <= answer.status_code < 500
            answer = session.put(base + calendar + f"t{n}.ics", timeout=10, data=(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\n"
                f"UID:t{n}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{PRIVATE}\r\nEND:VTODO\r\n"
                "END:VCALENDAR\r\n"), headers={"Content-Type": "text/calendar"})
            assert 400 <= answer.status_code < 500
    finally:
        stop_process(proc)
    lines = log.read_text().splitlines()
    refused_push = [line for line in lines if "refused push notification" in line]
    assert len(refused_push) == 1, refused_push[:5]
    assert not any(PRIVATE in line for line in lines)
    assert not any("Traceback" in line for line in lines)
    warnings = [line for line in lines if " WARNING " in line]
    assert len(warnings) <= 4, warnings     # 360 refusals of three kinds
    assert any("VTODO cannot be stored" in line for line in warnings)


def _up(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=5).ok
    except requests.ConnectionError:
        return False
