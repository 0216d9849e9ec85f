"""A client's own bytes kept (RFC 4791 §5.3.4): a PUT whose meaning Google holds as sent is
stored and served byte for byte and answered with its ETag; a re-PUT with that ETag costs no
Google write; a PUT Google holds differently (or a later Google change) is served as
rendered, without an ETag on the PUT. Over HTTP against the emulator."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.corpus.oracle import CORPUS, SHAPES, ZONE, load

pytestmark = pytest.mark.filterwarnings("ignore::icalendar.error.GloballyUniqueTZIDGuessed")

WRITES = ("events.insert", "events.patch", "events.update", "events.delete", "events.move",
          "events.import")

EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example Corp.//Client 1.0//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20260101T000000Z\r
SEQUENCE:3\r
DTSTART;TZID=Europe/Berlin:20260601T090000\r
DTEND;TZID=Europe/Berlin:20260601T100000\r
SUMMARY:{summary}\r
DESCRIPTION:\r
END:VEVENT\r
END:VCALENDAR\r
"""


def writes(control) -> int:
    calls = control.calls()
    return sum(calls.get(name, 0) for name in WRITES)


def put(server, url: str, text: str, **headers):
    return server.session.put(url, data=text.encode("utf-8"),
                              headers={"Content-Type": "text/calendar; charset=utf-8",
                                       **headers})


@pytest.fixture
def account(new_account):
    return new_account("bytes", time_zone=ZONE)


@pytest.fixture
def svc(service_for, account):
    return service_for(account)


@pytest.fixture
def rig(make_bridge, account, control):
    server = make_bridge(account)
    return server, account["account"], server.calendar_url(account["account"])


def calendar_id(server, url: str) -> int:
    return server.bridge.store.calendar_by_slug("alice", url.rstrip("/").rsplit("/", 1)[1]).id


def test_a_put_google_holds_as_sent_is_answered_with_its_etag_and_served_as_sent(rig, svc):
    server, _, url = rig
    uid = str(uuid.uuid4())
    text = EVENT.format(uid=uid, summary="Planning")
    created = put(server, url + "a.ics", text, **{"If-None-Match": "*"})
    assert created.status_code == 201 and created.headers.get("ETag")
    fetched = server.session.get(url + "a.ics")
    assert fetched.content == text.encode() and fetched.headers["ETag"] == created.headers["ETag"]
    # A later sync that brings only our own write keeps the bytes.
    server.bridge.engine.sync_calendar(calendar_id(server, url))
    assert server.session.get(url + "a.ics").headers["ETag"] == created.headers["ETag"]


def test_a_reput_with_the_etag_of_the_put_makes_no_google_write(rig, control):
    server, _, url = rig
    uid = str(uuid.uuid4())
    text = EVENT.format(uid=uid, summary="Planning")
    etag = put(server, url + "b.ics", text).headers["ETag"]
    before = writes(control)
    again = put(server, url + "b.ics", text, **{"If-Match": etag})
    assert again.status_code == 204 and again.headers.get("ETag") == etag
    assert writes(control) == before


def test_a_put_google_holds_differently_gets_no_etag_and_is_served_as_rendered(rig):
    server, _, url = rig
    uid = str(uuid.uuid4())
    # A control character Google stores but iCalendar text cannot carry: the rendering
    # (what clients are served) drops it, so what is stored is not what was sent.
    text = EVENT.format(uid=uid, summary="Planning").replace("DESCRIPTION:", "DESCRIPTION:a\x07b")
    created = put(server, url + "c.ics", text)
    assert created.status_code == 201 and "ETag" not in created.headers
    assert "DESCRIPTION:ab" in server.session.get(url + "c.ics").text


def test_a_later_google_change_replaces_the_clients_bytes_by_the_rendering(rig, control):
    server, cal, url = rig
    uid = str(uuid.uuid4())
    etag = put(server, url + "d.ics", EVENT.format(uid=uid, summary="Planning")).headers["ETag"]
    [stored] = server.bridge.store.google_events_of(calendar_id(server, url), uid)
    control.patch(f"/calendars/{cal}/events/{stored['id']}", {"location": "Room 7"})
    server.bridge.engine.sync_calendar(calendar_id(server, url))
    fetched = server.session.get(url + "d.ics")
    assert fetched.headers["ETag"] != etag and "LOCATION:Room 7" in fetched.text
    assert "SEQUENCE:3" not in fetched.text          # Google's rendering, not the client's
    stale = put(server, url + "d.ics", EVENT.format(uid=uid, summary="Mine"), **{"If-Match": etag})
    assert stale.status_code == 412


def test_vdirsyncer_flow_a_local_deletion_reaches_google(rig, svc):
    """vdirsyncer keeps the ETag a PUT answered; a file deleted locally is deleted on the
    server only if the server's ETag still is that one (else it is copied back)."""
    server, cal, url = rig
    uid = str(uuid.uuid4())
    uploaded = put(server, url + f"{uid}.ics", EVENT.format(uid=uid, summary="Sync me"),
                   **{"If-None-Match": "*"})
    status_etag = uploaded.headers.get("ETag")
    assert status_etag, "no ETag on PUT: vdirsyncer would copy the deleted file back"
    server.bridge.engine.sync_calendar(calendar_id(server, url))     # time passes, Google is polled
    _, listing = server.sync_collection(url)
    href = next(h for h in listing if h.endswith(f"{uid}.ics"))
    assert listing[href] == status_etag                      # unchanged: the deletion wins
    deleted = server.session.delete(url + f"{uid}.ics", headers={"If-Match": status_etag})
    assert deleted.status_code in (200, 204)
    items = svc.events().list(calendarId=cal, iCalUID=uid, showDeleted=True).execute()["items"]
    assert [e["status"] for e in items] == ["cancelled"]


# --- every corpus shape ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_rig(emulator, tmp_path_factory):
    import json

    from gcaldav.configfile import bridge_config
    from gcaldav.server import load_configuration
    from radicale_plugin.options import PLUGIN_SCHEMA, settings_from
    from radicale_plugin.registry import register
    from tests.conftest import Control
    from tests.radicale_plugin.conftest import BridgeServer

    control = Control(emulator.base_url)
    email = f"bytes-{tmp_path_factory.getbasetemp().name}@example.com".lower()
    account = control.post("/accounts", {"email": email, "time_zone": ZONE})
    tmp = tmp_path_factory.mktemp("bytes")
    (tmp / "users").write_text("alice:secret\n")
    config = tmp / "config"
    config.write_text(bridge_config(htpasswd=tmp / "users", data_dir=tmp / "data",
                                    api=emulator.emulator.api_url,
                                    token_uri=emulator.emulator.token_url, freshness=0))
    (tmp / "google.json").write_text(json.dumps(account))
    configuration = load_configuration(str(config))
    register(configuration, settings_from(configuration.copy(PLUGIN_SCHEMA))).link(
        "alice", str(tmp / "google.json"))
    server = BridgeServer(config).start()
    yield server, control, email
    server.stop()


def shape_text(server, control, email: str, shape: str, cal: str) -> str | None:
    """What a client PUTs for a shape: the .ics file; for a .json one (created on Google), a
    copy of the bridge's rendering under a new UID (None: invitations cannot be copied)."""
    from tests.corpus.oracle import event_type, invitation_only, with_uid
    from tests.radicale_plugin.test_fidelity import Rig, href_path, insert_as_google
    if shape.endswith(".ics"):
        return (CORPUS / shape).read_text()
    if invitation_only(shape):
        return None
    rig = Rig(server, control, None, {(shape, "g"): cal if event_type(shape) == "default"
                                      else email})
    uid = insert_as_google(rig, rig.calendars[shape, "g"], load(shape))
    original = server.session.get(server.url + href_path(rig, shape, "g", uid))
    assert original.status_code == 200
    copy = with_uid(original.text, f"copy-{uid}")
    # A copy is an ordinary event (docs/mapping.md): one still claiming Google's special type
    # is not what Google holds, so it is served as rendered, without an ETag on its PUT.
    return "\r\n".join(line for line in copy.split("\r\n")
                        if not line.startswith("X-GOOGLE-EVENT-TYPE:"))


@pytest.mark.parametrize("shape", SHAPES)
def test_every_corpus_shape_reput_with_the_puts_etag_makes_no_google_write(corpus_rig, shape):
    server, control, email = corpus_rig
    cal = control.post("/calendars", {"owner": email, "summary": shape, "time_zone": ZONE})["id"]
    server.bridge.engine.sync_calendar_list(server.bridge.store.accounts("alice")[0].id)
    text = shape_text(server, control, email, shape, cal)
    if text is None:
        pytest.skip("occurrences of someone else's series cannot be created (test_fidelity)")
    url = server.calendar_url(cal) + "sent-" + Path(shape).stem + ".ics"
    created = put(server, url, text, **{"If-None-Match": "*"})
    assert created.status_code == 201, created.text
    assert created.headers.get("ETag"), "stored differs from what was sent"
    assert server.session.get(url).content == text.encode("utf-8")
    before = writes(control)
    again = put(server, url, text, **{"If-Match": created.headers["ETag"]})
    assert again.status_code == 204, again.text
    assert writes(control) == before
    assert again.headers.get("ETag") == created.headers["ETag"]
    assert str(Calendar.from_ical(text).walk("VEVENT")[0]["UID"])
