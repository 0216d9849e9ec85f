"""Several Google accounts per CalDAV user, several users, and accounts that stop working:
the real `gcaldav` commands against a real bridge server and the emulator over HTTP."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from gcaldav.cli import main
from gcaldav.configfile import bridge_config
from tests.radicale_plugin.conftest import BridgeServer

NAMES = re.compile(r"<displayname>([^<]*)</displayname>")


class Site:
    """A config for several CalDAV users (password = user name), linked with the commands."""

    def __init__(self, root: Path, emulator, users: list[str]):
        self.root = root
        (root / "users").write_text("".join(f"{u}:{u}\n" for u in users))
        self.config = root / "gcaldav.conf"
        self.config.write_text(bridge_config(
            htpasswd=root / "users", data_dir=root / "data", api=emulator.emulator.api_url,
            token_uri=emulator.emulator.token_url))
        self.servers: list[BridgeServer] = []

    def run(self, *args: str) -> int:
        return main([args[0], "--config", str(self.config), *args[1:]])

    def link(self, user: str, info: dict) -> None:
        path = self.root / f"{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(info))
        assert self.run("link", user, str(path)) == 0

    def serve(self, user: str) -> BridgeServer:
        server = BridgeServer(self.config, user=user, password=user).start()
        self.servers.append(server)
        return server

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def site(tmp_path, emulator):
    sites = []

    def make(*users: str) -> Site:
        sites.append(Site(tmp_path, emulator, list(users)))
        return sites[-1]
    yield make
    for made in sites:
        made.stop()


def names(server: BridgeServer, user: str | None = None) -> list[str]:
    response = server.session.request("PROPFIND", f"{server.url}/{user or server.user}/",
                                      headers={"Depth": "1"})
    assert response.status_code == 207, response.text
    return sorted(NAMES.findall(response.text))


def event(uid: str, summary: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260610T090000Z\r\n"
            f"DTEND:20260610T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def put(server: BridgeServer, calendar_url: str, uid: str, summary: str):
    return server.session.put(f"{calendar_url}{uid}.ics", data=event(uid, summary),
                              headers={"Content-Type": "text/calendar"})


def google_summaries(service) -> set[str]:
    return {e.get("summary") for e in service.events().list(calendarId="primary")
            .execute()["items"]}


# --- several accounts per user ---------------------------------------------------------------------

def test_two_accounts_of_one_user_are_served_once_each(site, new_account, control, capsys):
    home, work = new_account("home"), new_account("work")
    shared = control.post("/calendars", {"owner": home["account"], "summary": "Family"})["id"]
    control.post(f"/calendars/{shared}/acl", {"email": work["account"], "role": "reader"})
    for account, title in ((home, "Dentist"), (work, "Standup")):
        control.post(f"/calendars/{account['account']}/events", {
            "summary": title, "start": {"dateTime": "2026-06-01T09:00:00Z"},
            "end": {"dateTime": "2026-06-01T10:00:00Z"}})
    s = site("alice")
    s.link("alice", home)
    s.link("alice", work)
    server = s.serve("alice")
    listed = names(server)
    assert listed.count("Family") == 1          # both lists have it; served from one account
    assert {home["account"], work["account"]} <= set(listed)
    family = next(c for c in server.bridge.calendars("alice") if c.name == "Family")
    assert family.access_role == "owner"        # from the owner's account, not the reader's
    texts = [i.text for c in server.bridge.calendars("alice") for i in
             server.bridge.all_items(c.id)]
    assert any("Dentist" in t for t in texts) and any("Standup" in t for t in texts)
    # Each account has its own credentials file; relinking one leaves the other's alone.
    files = sorted((s.root / "data" / "credentials").glob("account-*.json"))
    tokens = [json.loads(f.read_text())["refresh_token"] for f in files]
    assert len(files) == 2 and set(tokens) == {home["refresh_token"], work["refresh_token"]}
    slugs = {c.google_id: c.slug for c in server.bridge.store.calendars("alice")}
    s.link("alice", home)                       # a re-link keeps every URL
    server.restart()
    assert {c.google_id: c.slug for c in server.bridge.store.calendars("alice")} == slugs
    assert len(list((s.root / "data" / "credentials").glob("account-*.json"))) == 2
    capsys.readouterr()
    assert s.run("accounts", "alice") == 0
    out = capsys.readouterr().out
    assert f"alice: {home['account']}  [ok]" in out and f"alice: {work['account']}  [ok]" in out
    assert re.search(r"served +Family +\(owner", out) and re.search(r"hidden +Family +\(reader",
                                                                    out)
    # Each syncs with its own credentials: revoking one leaves the other working.
    control.post("/oauth/revoke", {"account": work["account"]})
    bridge = server.bridge
    ids = {a.email: a.id for a in bridge.store.accounts("alice")}
    bridge.engine.sync_calendar_list(ids[home["account"]])
    with pytest.raises(Exception, match="invalid_grant"):
        bridge.engine.sync_calendar_list(ids[work["account"]])
    states = {a.email: a.state for a in bridge.store.accounts("alice")}
    assert states == {home["account"]: "ok", work["account"]: "needs_sign_in"}


def test_unlink_removes_an_account_and_its_calendars(site, new_account, control, capsys):
    home, work = new_account("home"), new_account("work")
    s = site("alice")
    s.link("alice", home)
    s.link("alice", work)
    server = s.serve("alice")
    work_url = server.calendar_url(work["account"])
    assert work["account"] in names(server)
    capsys.readouterr()
    assert s.run("unlink", "alice", work["account"]) == 0
    assert re.search(r"unlinked .* \d+ calendars removed", capsys.readouterr().out)
    assert names(server) == sorted([home["account"], *_tasks(server)])
    assert server.session.request("PROPFIND", work_url, headers={"Depth": "0"}).status_code \
        == 404
    assert len(list((s.root / "data" / "credentials").glob("account-*.json"))) == 1
    assert s.run("unlink", "alice", work["account"]) == 1
    assert "has no linked Google account" in capsys.readouterr().err


def test_hide_and_show_a_calendar_and_follow_googles_choice(site, new_account, control,
                                                            service_for):
    account = new_account("hider")
    holidays = control.post("/calendars", {"owner": account["account"],
                                           "summary": "Holidays"})["id"]
    s = site("alice")
    s.link("alice", account)
    server = s.serve("alice")
    assert "Holidays" in names(server)
    assert s.run("calendars", "alice", "--hide", "Holidays") == 0
    assert "Holidays" not in names(server)
    assert server.session.request("PROPFIND", server.url + "/alice/" + _slug(server, holidays)
                                  + "/", headers={"Depth": "0"}).status_code == 404
    assert s.run("calendars", "alice", "--show", "Holidays") == 0
    assert "Holidays" in names(server)
    # Unticked in Google: not served by default; --show overrides, --default follows again.
    service_for(account).calendarList().patch(calendarId=holidays,
                                              body={"selected": False}).execute()
    assert s.run("calendars", "alice", "--default", holidays) == 0
    server.bridge.engine.sync_calendar_list(server.bridge.store.accounts("alice")[0].id)
    assert "Holidays" not in names(server)
    assert s.run("calendars", "alice", "--show", _slug(server, holidays)) == 0
    assert "Holidays" in names(server)
    assert s.run("calendars", "alice", "--hide", "No such calendar") == 1


# --- users whose names once collided ---------------------------------------------------------------

def test_similar_user_names_each_keep_their_own_google_account(site, new_account, service_for):
    users = ["bob@corp", "bob_corp", "bob.corp"]
    accounts = {user: new_account("bob") for user in users}
    s = site(*users)
    for user, account in accounts.items():
        s.link(user, account)
    first = s.serve(users[0])
    first.stop()
    s.servers.remove(first)
    for user, account in accounts.items():             # after a restart, each in turn
        server = s.serve(user)
        mine = account["account"]
        listed = names(server, user)
        assert mine in listed
        assert not {a["account"] for a in accounts.values()} - {mine} & set(listed)
        calendar = next(c for c in server.bridge.calendars(user) if c.google_id == mine)
        response = put(server, f"{server.url}/{user}/{calendar.slug}/",
                       f"uid-{users.index(user)}", f"written by {user}")
        assert response.status_code in (201, 204), response.text
        server.stop()
        s.servers.remove(server)
    for user, account in accounts.items():             # each write landed in its own Google
        assert google_summaries(service_for(account)) == {f"written by {user}"}


# --- no account yet ----------------------------------------------------------------------------------

def test_a_user_without_an_account_sees_an_empty_home(site):
    s = site("carol")
    server = s.serve("carol")
    response = server.session.request("PROPFIND", server.url + "/carol/",
                                      headers={"Depth": "1"})
    assert response.status_code == 207
    assert re.findall(r"<href>([^<]*)</href>", response.text).count("/carol/") >= 1
    assert "calendar/" not in response.text.replace("calendar-home-set", "")
    root = server.session.request("PROPFIND", server.url + "/", headers={"Depth": "0"})
    assert root.status_code == 207


# --- helpers -----------------------------------------------------------------------------------------

def _slug(server: BridgeServer, google_id: str) -> str:
    return next(c.slug for c in server.bridge.store.calendars(server.user)
                if c.google_id == google_id)


def _tasks(server: BridgeServer) -> list[str]:
    """Task lists served beside calendars (Google Tasks), by name."""
    return [c.name for c in server.bridge.calendars(server.user) if c.kind.value == "tasks"]

