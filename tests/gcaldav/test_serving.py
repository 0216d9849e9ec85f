"""`gcaldav serve` honours [server] hosts (every entry, IPv4 and IPv6), ssl/certificate/key
(or refuses to start saying why), [logging] level and the optional access log; refusals are
logged in one line without a traceback; the data folder and database are private."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import stat
import threading

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gcaldav.server import load_configuration, make_server, serve_logging
from tests.support import free_port, wait_for


def self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def with_server_options(bridge, text: str):
    """Rewrite the bridge's [server] section and load the configuration again."""
    config = bridge.config_path.read_text()
    head, _, rest = config.partition("\n\n")
    bridge.config_path.write_text("[server]\n" + text + "\n\n" + rest)
    bridge.stop()
    return load_configuration(str(bridge.config_path))


def running(configuration):
    server = make_server(configuration)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server


def ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_every_hosts_entry_is_served(make_bridge, alice):
    port_a, port_b = free_port(), free_port()
    hosts = [f"127.0.0.1:{port_a}", f"127.0.0.1:{port_b}"]
    if ipv6_available():
        hosts.append(f"[::1]:{port_a}")
    server = running(with_server_options(make_bridge(alice), "hosts = " + ", ".join(hosts)))
    try:
        for url in (f"http://127.0.0.1:{port_a}/", f"http://127.0.0.1:{port_b}/",
                    *([f"http://[::1]:{port_a}/"] if len(hosts) == 3 else [])):
            answer = requests.request("PROPFIND", url + "alice/", auth=("alice", "secret"),
                                      headers={"Depth": "0"}, timeout=30)
            assert answer.status_code == 207, url
    finally:
        server.shutdown()
        server.server_close()


def test_ssl_serves_https_with_the_configured_certificate(make_bridge, alice, tmp_path):
    cert, key = self_signed(tmp_path)
    port = free_port()
    server = running(with_server_options(
        make_bridge(alice), f"hosts = 127.0.0.1:{port}\nssl = True\ncertificate = {cert}\n"
                            f"key = {key}"))
    try:
        assert server.base_url == f"https://127.0.0.1:{port}"
        answer = requests.request("PROPFIND", f"https://localhost:{port}/alice/",
                                  auth=("alice", "secret"), headers={"Depth": "0"},
                                  verify=str(cert), timeout=30)
        assert answer.status_code == 207
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/alice/", timeout=10)
    finally:
        server.shutdown()
        server.server_close()


def test_ssl_without_a_usable_certificate_refuses_to_start(make_bridge, alice, tmp_path):
    configuration = with_server_options(
        make_bridge(alice), f"hosts = 127.0.0.1:{free_port()}\nssl = True\n"
                            f"certificate = {tmp_path}/missing.pem\nkey = {tmp_path}/k.pem")
    with pytest.raises(SystemExit, match="certificate = .*missing.pem: no readable file"):
        make_server(configuration)
    (tmp_path / "bad.pem").write_text("not a certificate")
    configuration = with_server_options(
        make_bridge(alice), f"hosts = 127.0.0.1:{free_port()}\nssl = True\n"
                            f"certificate = {tmp_path}/bad.pem\nkey = {tmp_path}/bad.pem")
    with pytest.raises(SystemExit, match="not a usable certificate"):
        make_server(configuration)


def test_logging_level_comes_from_the_configuration(make_bridge, alice):
    bridge = make_bridge(alice)
    root = logging.getLogger()
    before = root.level
    try:
        serve_logging(with_server_options(bridge, "hosts = 127.0.0.1:5232\n[logging]\nlevel = "
                                                  "error"))
        assert root.level == logging.ERROR
        serve_logging(bridge.configuration, verbose=True)
        assert root.level == logging.INFO
    finally:
        root.setLevel(before)


def test_access_log_without_query_or_credentials(make_bridge, alice, caplog):
    bridge = make_bridge(alice, access_log="true")
    bridge.restart()
    with caplog.at_level(logging.INFO, logger="gcaldav.access"):
        answer = bridge.session.request("PROPFIND", bridge.url + "/alice/?token=s3cr3t",
                                        headers={"Depth": "0"})
        assert answer.status_code == 207

        def lines():        # written once the answer is sent: it may trail the response
            return [r.getMessage() for r in caplog.records if r.name == "gcaldav.access"]
        wait_for(lambda: any('"PROPFIND /alice/" 207' in line for line in lines()), 10,
                 "the access log line")
    assert not any("s3cr3t" in line or "secret" in line for line in lines())


def test_a_refusal_is_logged_in_one_line_without_a_traceback(make_bridge, alice, caplog):
    bridge = make_bridge(alice)
    url = bridge.calendar_url(alice["account"])
    todo = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\nUID:t1\r\n"
            "DTSTAMP:20260101T000000Z\r\nSUMMARY:private words\r\nEND:VTODO\r\n"
            "END:VCALENDAR\r\n")
    with caplog.at_level(logging.INFO):
        answer = bridge.session.put(url + "t1.ics", data=todo,
                                    headers={"Content-Type": "text/calendar"})
        garbage = bridge.session.put(url + "g.ics", data="BEGIN:VCALENDAR\r\nprivate words",
                                     headers={"Content-Type": "text/calendar"})
    assert 400 <= answer.status_code < 500 and 400 <= garbage.status_code < 500
    for record in caplog.records:
        assert record.exc_info is None or not str(record.msg).startswith("Bad "), record.msg
        assert "private words" not in record.getMessage()


def test_data_folder_and_database_are_private(make_bridge, alice, tmp_path):
    make_bridge(alice)
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in data.glob("*.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_repeated_warnings_are_rate_limited_with_a_count():
    from gcaldav.quiet_logs import RepeatFilter
    now = [0.0]
    limit = RepeatFilter(window=60, clock=lambda: now[0])
    records = [logging.LogRecord("bridge.background.notifications", logging.WARNING, "", 0,
                                 "refused push notification from %s: %s (channel %r)",
                                 ("1.2.3.4", "unknown_channel", f"id{n}"), None)
               for n in range(2001)]
    passed = [r for r in records[:2000] if limit.filter(r)]
    assert len(passed) == 1
    now[0] = 61
    assert limit.filter(records[2000])
    assert "(and 1999 more like it in the last 61 s)" in records[2000].getMessage()
