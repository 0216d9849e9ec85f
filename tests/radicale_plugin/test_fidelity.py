"""The fidelity corpus (tests/corpus/, documented in docs/mapping.md) through the running bridge
and the emulator, in both directions, for every shape:

* Google → CalDAV → Google: the shape exists on Google (a ``.json`` inserted "as Google"
  through the control API, or a ``.ics`` PUT through the bridge); the client reads it, PUTs
  it back unchanged (no Google write at all) and with a new SUMMARY (Google's events change
  in exactly that field).
* CalDAV → Google → CalDAV: a client PUTs the shape (the ``.ics``, or a copy of the bridge's
  rendering of the ``.json`` under a new UID); Google's events hold the same occurrences
  (as instants) and mapped fields, and a GET gives back every property the client sent.

The oracle is independent of bridge/translate: occurrences come from ``recurring_ical_events``
on the client's side and ``events.list(singleEvents=True)`` on Google's. Where Google cannot
hold what was sent, ``INTENDED`` states the documented result instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from icalendar import Calendar

from bridge.sync.resources import href_for
from gcaldav.configfile import bridge_config
from radicale_plugin.options import PLUGIN_SCHEMA, settings_from
from radicale_plugin.registry import register
from gcaldav.server import load_configuration
from tests.conftest import Control, make_service
from tests.corpus.oracle import (SERVER_OWNED, SHAPES, SYNTHETIC, TIMING, WINDOW, ZONE,
                                 client_occurrences, color_of, event_type, expected_google_fields,
                                 g_instant, google_by_key, google_fields, intended,
                                 invitation_only, lf, load, signatures, timing, unfolded,
                                 vevents, with_summary, with_uid)
from tests.radicale_plugin.conftest import BridgeServer

# Evolution's "/freeassociation.sourceforge.net/Europe/Berlin": icalendar warns that it
# guesses Europe/Berlin, which is what the bridge relies on (rrule-bymonthday.ics).
pytestmark = pytest.mark.filterwarnings("ignore::icalendar.error.GloballyUniqueTZIDGuessed")

# Google's own fields a client never sends (stripped before inserting "as Google").
GOOGLE_ONLY = ("kind", "etag", "htmlLink", "created", "updated", "creator", "hangoutLink")
VOLATILE = ("etag", "updated", "sequence")

# Radicale's parser (vobject) cuts X- property values at the first comma before the bridge
# sees the PUT (radicale_plugin should hand the writer the raw body instead).
# --- the running bridge, one for the whole module ---------------------------------------------

@dataclass
class Rig:
    server: BridgeServer
    control: Control
    svc: object
    calendars: dict          # (shape, direction) → Google calendar id; also a few by name

    def url(self, shape: str, direction: str | None = None) -> str:
        key = (shape, direction) if direction else shape
        return self.server.calendar_url(self.calendars[key])


@pytest.fixture(scope="module")
def rig(emulator, tmp_path_factory):
    """One account with a calendar per shape and direction (special event types live on the
    primary calendar, as on Google), and one bridge in front of it that syncs on every
    request (freshness 0), so Google-side changes show at once."""
    control = Control(emulator.base_url)
    email = f"fidelity-{tmp_path_factory.getbasetemp().name}@example.com".lower()
    account = control.post("/accounts", {"email": email, "time_zone": ZONE})
    calendars = {name: control.post("/calendars", {"owner": email, "summary": name,
                                                    "time_zone": ZONE})["id"]
                 for name in ("rules", "stability", "bulk")}
    for shape in SHAPES:
        for direction in ("g", "c"):
            calendars[shape, direction] = email if event_type(shape) != "default" else \
                control.post("/calendars", {"owner": email, "summary": f"{direction} {shape}",
                                            "time_zone": ZONE})["id"]
    tmp = tmp_path_factory.mktemp("fidelity")
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
    yield Rig(server, control, make_service(emulator, account), calendars)
    server.stop()


def put(rig: Rig, url: str, text: str, **headers):
    return rig.server.session.put(url, data=text.encode("utf-8"),
                                  headers={"Content-Type": "text/calendar; charset=utf-8",
                                           **headers})


def insert_as_google(rig: Rig, cal: str, events: list[dict]) -> str:
    """Create the file's events on Google as another device would; returns the iCalUID.
    Exceptions of the file's own series become instance patches/deletes, as on Google."""
    query = "?conferenceDataVersion=1&supportsAttachments=true"
    file_ids = {e["id"] for e in events}
    new_ids, uid = {}, None
    for event in events:
        body = {k: v for k, v in event.items() if k not in GOOGLE_ONLY}
        parent = event.get("recurringEventId")
        if parent in file_ids:
            target = f"/calendars/{cal}/events/{new_ids[parent]}_{event['id'].rsplit('_', 1)[1]}"
            if event["status"] == "cancelled":
                rig.control.delete(target)
            else:
                rig.control.patch(target + query, body)
            continue
        if not parent:              # Google picks ids (and iCalUIDs it would derive from them)
            body.pop("id")
            if body.get("iCalUID") == f"{event['id']}@google.com":
                del body["iCalUID"]
        body.pop("status", None)
        created = rig.control.post(f"/calendars/{cal}/events{query}", body)
        new_ids[event["id"]] = created["id"]
        if event["status"] == "cancelled":
            rig.control.delete(f"/calendars/{cal}/events/{created['id']}")
        uid = created["iCalUID"]
    return uid


def establish(rig: Rig, shape: str, direction: str) -> tuple[str, str]:
    """The shape on Google (inserted as Google, or PUT by a client); (uid, resource URL)."""
    cal = rig.calendars[shape, direction]
    if shape.endswith(".json"):
        uid = insert_as_google(rig, cal, load(shape))
        return uid, rig.server.url + href_path(rig, shape, direction, uid)
    text = load(shape)
    uid = str(Calendar.from_ical(text).walk("VEVENT")[0]["UID"])
    url = rig.url(shape, direction) + Path(shape).stem + ".ics"
    answer = put(rig, url, text, **{"If-None-Match": "*"})
    assert answer.status_code == 201, answer.text
    return uid, url


def href_path(rig: Rig, shape: str, direction: str, uid: str) -> str:
    return rig.url(shape, direction).removeprefix(rig.server.url) + href_for(uid)


# --- Google's side, through the Google API ----------------------------------------------------

def google_events(rig: Rig, cal: str, uid: str) -> dict[str, dict]:
    items = rig.svc.events().list(calendarId=cal, iCalUID=uid, showDeleted=True,
                                  maxResults=2500).execute()["items"]
    return {e["id"]: e for e in items}


def google_occurrences(rig: Rig, cal: str, uid: str) -> list[tuple]:
    items = rig.svc.events().list(
        calendarId=cal, iCalUID=uid, singleEvents=True, maxResults=2500,
        timeMin=WINDOW[0].isoformat(), timeMax=WINDOW[1].isoformat()).execute()["items"]
    return sorted((g_instant(i["start"]), g_instant(i["end"]), i.get("summary", ""),
                   i.get("location", ""), lf(i.get("description", "")))
                  for i in items if i["status"] != "cancelled")


# --- the client's side, read with icalendar and recurring_ical_events -------------------------


def assert_google_holds(shape: str, text: str, events: dict[str, dict]) -> None:
    """Every VEVENT's mapped fields are on its Google event (occurrences checked apart)."""
    live = google_by_key(events)
    for key, vevent in vevents(text).items():
        if str(vevent.get("STATUS", "")).upper() == "CANCELLED" and key:
            assert key not in live or live[key]["status"] == "cancelled"
            continue
        if SYNTHETIC in vevent:
            assert key not in live      # the invitation's stand-in master is not on Google
            continue
        want = expected_google_fields(vevent, color_of(vevent))
        want.update(intended(shape, "google", {}))
        assert google_fields(live[key]) == want, key


def assert_kept(shape: str, sent: str, back: str) -> None:
    """Everything the client sent comes back (values, parameters, alarms), except what
    INTENDED documents. A cancelled override comes back as an EXDATE of its master (unless
    the client's own bytes are served: Google holds their meaning)."""
    if back == sent:
        return
    lost, alarm_lost = intended(shape, "lost"), intended(shape, "alarm_lost")
    returned, sent_events = vevents(back), vevents(sent)
    cancelled = [key for key, e in sent_events.items()
                 if key and str(e.get("STATUS", "")).upper() == "CANCELLED"]
    for key, vevent in sent_events.items():
        if key in cancelled:
            assert key not in returned
            continue
        mine = returned[key]
        assert str(mine["UID"]) == str(vevent["UID"])
        missing = signatures(vevent, SERVER_OWNED | TIMING) - signatures(mine, SERVER_OWNED
                                                                       | TIMING)
        assert {name for name, _, _ in missing} <= lost, (key, missing)
        want = timing(vevent)
        if not key:
            want["EXDATE"] = sorted(want["EXDATE"] + cancelled)
        assert timing(mine) == want, key
        theirs = list(mine.walk("VALARM"))
        for alarm in vevent.walk("VALARM"):       # each sent alarm has its own returned one
            trigger = signatures(alarm)
            match = min(theirs, key=lambda a: len(trigger - signatures(a)), default=None)
            assert match is not None, (key, alarm.to_ical())
            theirs.remove(match)
            missing = trigger - signatures(match)
            assert {name for name, _, _ in missing} <= alarm_lost, (key, missing)


WRITES = {"events.insert", "events.patch", "events.update", "events.delete", "events.import"}


def stable(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in VOLATILE}


@pytest.mark.parametrize("shape", SHAPES)
def test_google_caldav_google(rig, shape):
    cal = rig.calendars[shape, "g"]
    uid, url = establish(rig, shape, "g")
    before = google_events(rig, cal, uid)
    got = rig.server.session.get(url)
    assert got.status_code == 200, got.text
    assert client_occurrences(got.text) == google_occurrences(rig, cal, uid)
    assert_google_holds(shape, got.text, before)

    # Sent back unchanged: not a single Google write, and nothing changes anywhere.
    rig.control.post("/stats/reset")
    again = put(rig, url, got.text, **{"If-Match": got.headers["ETag"]})
    assert again.status_code == 204, again.text
    assert not WRITES & set(rig.control.calls())
    assert google_events(rig, cal, uid) == before
    assert rig.server.session.get(url).headers["ETag"] == got.headers["ETag"]

    # A new title: Google's events change in exactly that field.
    answer = put(rig, url, with_summary(got.text, "Edited on a client"),
                 **{"If-Match": got.headers["ETag"]})
    after = google_events(rig, cal, uid)
    if event_type(shape) != "default":          # read-only: documented, nothing changes
        assert answer.status_code == 403, answer.text
        assert after == before
        return
    assert answer.status_code == 204, answer.text
    target = google_by_key(before)[next(k for k, v in vevents(got.text).items()
                                        if SYNTHETIC not in v)]["id"]
    changed = {i: {k for k in stable(before[i]).keys() | stable(after[i]).keys()
                   if stable(before[i]).get(k) != stable(after[i]).get(k)} for i in before}
    assert {i: c for i, c in changed.items() if c} == {target: {"summary"}}
    back = rig.server.session.get(url).text
    for key, vevent in vevents(got.text).items():
        skip = SERVER_OWNED | {"SUMMARY"}
        assert signatures(vevents(back)[key], skip) == signatures(vevent, skip), key


@pytest.mark.parametrize("shape", SHAPES)
def test_caldav_google_caldav(rig, shape):
    cal = rig.calendars[shape, "c"]
    if shape.endswith(".ics"):
        sent = load(shape)
    else:                   # a client copies the bridge's rendering into a new event
        original, url = establish(rig, shape, "c")
        sent = with_uid(rig.server.session.get(url).text, "copy-" + original)
    uid = str(Calendar.from_ical(sent).walk("VEVENT")[0]["UID"])
    url = rig.url(shape, "c") + "sent-" + Path(shape).stem + ".ics"
    answer = put(rig, url, sent, **{"If-None-Match": "*"})
    if invitation_only(shape):
        # Occurrences of someone else's series cannot be created on Google: refused, and
        # nothing is created (docs/mapping.md, "Invitations").
        assert answer.status_code == 400 and "occurrences alone" in answer.text
        assert google_events(rig, cal, uid) == {}
        return
    assert answer.status_code == 201, answer.text
    events = google_events(rig, cal, uid)
    assert google_occurrences(rig, cal, uid) == client_occurrences(sent)
    assert_google_holds(shape, sent, events)
    if intended(shape, "zone", None):
        assert google_by_key(events)[""]["start"]["timeZone"] == intended(shape, "zone")
    back = rig.server.session.get(url)
    assert back.status_code == 200
    assert client_occurrences(back.text) == client_occurrences(sent)
    assert_kept(shape, sent, back.text)


# --- the rules behind the corpus, one at a time -----------------------------------------------

def test_client_values_show_until_google_changes_them(rig):
    """A COLOR name and ATTENDEE parameters come back exactly as sent; once the colour or that
    attendee's response changes on Google, Google's value shows."""
    cal, url = rig.calendars["rules"], rig.url("rules") + "colour.ics"
    sent = load("color-css-name.ics").replace(
        "COLOR:tomato", "COLOR:tomato\r\nATTENDEE;CN=Ben;PARTSTAT=NEEDS-ACTION;X-NOTE=vip:"
        "mailto:ben@example.com\r\nATTENDEE;CN=Ana;PARTSTAT=TENTATIVE:mailto:ana@example.com")
    assert put(rig, url, sent).status_code == 201
    text = rig.server.session.get(url).text
    assert "COLOR:tomato" in text and "X-NOTE=vip" in text
    [event] = google_events(rig, cal, str(vevents(sent)[""]["UID"])).values()
    assert event["colorId"] == "4"
    ana = next(a for a in event["attendees"] if a["email"] == "ana@example.com")
    rig.control.patch(f"/calendars/{cal}/events/{event['id']}", {
        "colorId": "9", "attendees": [dict(ana), {"email": "ben@example.com",
                                                  "displayName": "Ben",
                                                  "responseStatus": "accepted"}]})
    vevent = vevents(rig.server.session.get(url).text)[""]
    assert str(vevent["COLOR"]) == "cornflowerblue"         # Google's colour 9, canonical
    ben = next(a for a in vevent["ATTENDEE"] if "ben@" in str(a))
    assert ben.params["PARTSTAT"] == "ACCEPTED" and "X-NOTE" not in ben.params
    ana = next(a for a in vevent["ATTENDEE"] if "ana@" in str(a))
    assert dict(ana.params) == {"CN": "Ana", "PARTSTAT": "TENTATIVE"}   # unchanged: as sent


def test_a_reply_keeps_other_guests_comments_and_extra_guests(rig):
    """Attendees are sent to Google as a whole list: what Google holds per guest beyond the
    response (comment, extra guests) rides in X-RESPONSE-COMMENT / X-NUM-GUESTS."""
    cal = rig.calendars["rules"]
    uid = insert_as_google(rig, cal, load("google-attendees-every-status.json"))
    url = rig.server.url + rig.url("rules").removeprefix(rig.server.url) + href_for(uid)
    got = rig.server.session.get(url)
    lines = unfolded(got.text)
    at = next(i for i, line in enumerate(lines) if "mailto:ben@example.com" in line)
    lines[at] = lines[at].replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED")
    answer = put(rig, url, "\r\n".join(lines), **{"If-Match": got.headers["ETag"]})
    assert answer.status_code == 204, answer.text
    [event] = google_events(rig, cal, uid).values()
    people = {a["email"]: a for a in event["attendees"]}
    assert people["ben@example.com"]["responseStatus"] == "accepted"
    assert (people["ana@example.com"]["comment"], people["ana@example.com"]["additionalGuests"]
            ) == ("Will bring the scorecards", 1)
    assert people["chloe@example.com"]["comment"] == "Might be late"


def test_invitation_stand_in_master_is_never_sent_to_google(rig):
    """Editing the stand-in master of an invitation changes no occurrence (each one is
    overridden): nothing is sent. Answering one occurrence reaches Google."""
    cal = rig.calendars["rules"]
    uid = insert_as_google(rig, cal, load("google-invitation-two-instances-sharing-uid.json"))
    url = rig.server.url + rig.url("rules").removeprefix(rig.server.url) + href_for(uid)
    got = rig.server.session.get(url)
    before = google_events(rig, cal, uid)
    lines = unfolded(got.text)
    first = lines[:lines.index("END:VEVENT")]               # the stand-in comes first
    assert SYNTHETIC + ":TRUE" in first
    lines[next(i for i, line in enumerate(first) if line.startswith("SUMMARY"))] = \
        "SUMMARY:Renamed series"
    rig.control.post("/stats/reset")
    answer = put(rig, url, "\r\n".join(lines), **{"If-Match": got.headers["ETag"]})
    assert answer.status_code == 204, answer.text
    assert not WRITES & set(rig.control.calls()) and google_events(rig, cal, uid) == before

    # A client that drops the marker it does not know still edits just the occurrence.
    got = rig.server.session.get(url)
    text = got.text.replace("PARTSTAT=TENTATIVE", "PARTSTAT=ACCEPTED").replace(
        SYNTHETIC + ":TRUE\r\n", "")
    assert put(rig, url, text, **{"If-Match": got.headers["ETag"]}).status_code == 204
    after = google_events(rig, cal, uid)
    changed = [i for i in before if stable(before[i]) != stable(after[i])]
    assert len(changed) == 1 and {a["email"]: a["responseStatus"] for a in after[
        changed[0]]["attendees"]}["alice@example.com"] == "accepted"


def test_read_only_event_types_still_take_alarm_changes(rig):
    """A birthday's reminders are the user's own: they change on Google; nothing else does."""
    cal = rig.calendars["google-birthday.json", "g"]
    uid = insert_as_google(rig, cal, load("google-birthday.json"))
    url = rig.server.url + href_path(rig, "google-birthday.json", "g", uid)
    got = rig.server.session.get(url)
    assert "TRIGGER:-P1D" in got.text
    answer = put(rig, url, got.text.replace("TRIGGER:-P1D", "TRIGGER:-PT12H"),
                 **{"If-Match": got.headers["ETag"]})
    assert answer.status_code == 204, answer.text
    [event] = [e for e in google_events(rig, cal, uid).values() if e["status"] != "cancelled"]
    assert event["reminders"] == {"useDefault": False,
                                  "overrides": [{"method": "popup", "minutes": 720}]}


# --- stability --------------------------------------------------------------------------------

def test_a_full_resync_of_the_unchanged_corpus_changes_no_etag(rig):
    """Every shape in one calendar: re-rendering changes nothing, and neither does a full
    re-list after Google invalidates the sync token (410)."""
    cal = rig.calendars["stability"]
    url = rig.url("stability")
    for shape in SHAPES:
        if shape.endswith(".json"):
            if event_type(shape) == "default":      # special types live on the primary
                insert_as_google(rig, cal, load(shape))
        else:
            assert put(rig, url + Path(shape).stem + ".ics", load(shape)).status_code == 201
    token, before = rig.server.sync_collection(url)
    assert len(before) == len(SHAPES) - 4
    calendar_id = rig.server.bridge.store.calendar_by_slug("alice", url.rstrip("/").rsplit(
        "/", 1)[1]).id
    assert rig.server.bridge.engine.rerender(calendar_id) == 0
    rig.control.post(f"/calendars/{cal}/invalidate-sync-tokens")
    rig.control.post("/stats/reset")
    assert rig.server.sync_collection(url, token)[1] == {}
    assert rig.control.calls().get("events.list", 0) >= 2       # the 410, then the re-list
    assert rig.server.sync_collection(url)[1] == before


def test_a_full_resync_of_an_unchanged_1000_event_calendar_reports_nothing(rig):
    cal = rig.calendars["bulk"]
    rig.control.post(f"/calendars/{cal}/events:bulk", {"generate": 1000, "seed": 5})
    url = rig.url("bulk")
    engine = rig.server.bridge.engine
    calendar_id = rig.server.bridge.store.calendar_by_slug("alice", url.rstrip("/").rsplit(
        "/", 1)[1]).id
    # Synced here, not by the request: a request waits for Google at most a bounded time and
    # is then served from the store, and 1,000 events can take longer on a loaded machine.
    engine.sync_calendar(calendar_id)
    token, before = rig.server.sync_collection(url)
    assert len(before) == 1000
    rig.control.post(f"/calendars/{cal}/invalidate-sync-tokens")
    rig.control.post("/stats/reset")
    engine.sync_calendar(calendar_id)
    assert rig.server.sync_collection(url, token)[1] == {}
    assert rig.control.calls().get("events.list", 0) >= 2
