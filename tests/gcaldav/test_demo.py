"""`gcaldav demo` as a person runs it: a taken port is named with the way out, the files
are private while it runs and gone after it ends."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

from tests.support import free_port, stop_process

ROOT = Path(__file__).resolve().parents[2]


def demo(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gcaldav.cli", "demo", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_taken_port_is_named_with_how_to_pick_another():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = demo("--port", str(port))
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, output
    assert f"port {port} on 127.0.0.1 is taken" in output and "--port" in output
    assert "Traceback" not in output


def test_a_port_a_previous_demo_just_served_on_is_free_again():
    """Connections the previous server closed linger in TIME_WAIT for a minute; a server may
    listen on the port meanwhile, so the check must not call it taken."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            served, _ = listener.accept()
            served.close()                  # the server closes first: its side waits
            client.recv(1)
    proc = demo("--port", str(port), "--password", "pw")
    try:
        first = proc.stdout.readline()
        while first and "ready" not in first and "taken" not in first:
            first = proc.stdout.readline()
        assert "ready" in first, first
    finally:
        stop_process(proc)


def test_files_are_private_and_removed_on_exit():
    proc = demo("--port", str(free_port()), "--password", "pw")
    try:
        lines = []
        while not any("removed on exit" in line for line in lines):
            lines.append(proc.stdout.readline())
            assert lines[-1], "".join(lines)
        workdir = Path(re.search(r"files in (\S+), removed on exit", "".join(lines)).group(1))
        assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
        for name in ("users", "google.json", "config"):
            assert stat.S_IMODE((workdir / name).stat().st_mode) == 0o600
    finally:
        stop_process(proc)          # SIGTERM, as a service manager or `kill` sends it
    assert proc.returncode == 0
    assert not workdir.exists()


def test_help_documents_host_for_a_phone():
    output = subprocess.run([sys.executable, "-m", "gcaldav.cli", "demo", "--help"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "0.0.0.0" in output and "phone" in output
