"""`gcaldav login` end to end: the real command as a subprocess, the emulator's consent page
played by a test "browser", Google's redirect reaching the loopback server (or pasted back),
the account linked and its calendars served. And the refusals a person must understand."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from gcaldav import login
from gcaldav.cli import main
from gcaldav.configfile import bridge_config
from tests.emulator.consent_browser import consent
from tests.support import stop_process

ROOT = Path(__file__).resolve().parents[2]
URL = re.compile(r"(http://\S+/o/oauth2/auth\?\S+)")


@pytest.fixture
def setup(tmp_path, emulator, control):
    """A config whose [storage] names a Desktop OAuth client of the emulator."""
    client = control.post("/oauth-clients", {"type": "installed", "name": "gcaldav"})
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(json.dumps(client))
    (tmp_path / "users").write_text("alice:secret\n")
    config = tmp_path / "gcaldav.conf"
    config.write_text(bridge_config(
        htpasswd=tmp_path / "users", data_dir=tmp_path / "data", api=emulator.emulator.api_url,
        token_uri=emulator.emulator.token_url, oauth_client_secrets=secrets))
    return config


class Command:
    """`gcaldav ARGS` as a subprocess whose output lines can be awaited."""

    def __init__(self, *args: str):
        env = dict(os.environ, BROWSER="true")    # a "browser" that opens nothing
        env.pop("OAUTHLIB_INSECURE_TRANSPORT", None)    # the command must manage without
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gcaldav.cli", *args], cwd=ROOT, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.pump = threading.Thread(target=self._pump, daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)
            self.lines.put(line)

    def authorization_url(self) -> str:
        while True:
            try:
                line = self.lines.get(timeout=60)
            except queue.Empty:
                raise AssertionError("no authorization URL: " + "".join(self.output)) from None
            if match := URL.search(line):
                return match.group(1)

    def finish(self, answer: str | None = None) -> tuple[int, str]:
        try:
            if answer is not None:
                self.proc.stdin.write(answer + "\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=120)
        finally:
            stop_process(self.proc)
        self.pump.join(timeout=30)
        return self.proc.returncode, "".join(self.output)


def linked_emails(config: Path, user: str) -> list[str]:
    from gcaldav.cli import _bridge
    return [a.account.email for a in _bridge(str(config)).accounts(user)]


def test_login_through_the_loopback_server_links_and_syncs(setup, new_account, control):
    account = new_account("login")["account"]
    control.post("/calendars", {"owner": account, "summary": "Team"})
    command = Command("login", "--config", str(setup), "alice")
    url = command.authorization_url()
    assert "code_challenge_method=S256" in url and "access_type=offline" in url
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
    answer = consent(url, account=account)
    assert answer.status_code == 302
    landing = requests.get(answer.headers["Location"], timeout=30)      # reaches the CLI
    assert landing.status_code == 200 and "Signed in" in landing.text
    code, output = command.finish()
    assert code == 0, output
    assert re.search(rf"linked {account} to alice: \d+ calendars served", output)
    assert linked_emails(setup, "alice") == [account]
    from gcaldav.cli import _bridge
    assert {account, "Team"} <= {c.name for c in _bridge(str(setup)).calendars("alice")}
    [grant] = [g for g in control.get("/oauth/grants")["grants"] if g["account"] == account]
    assert set(grant["scopes"]) == set(login.SCOPES) and grant["offline"]


def test_no_browser_completes_with_the_pasted_address(setup, new_account):
    account = new_account("paste")["account"]
    command = Command("login", "--config", str(setup), "alice", "--no-browser")
    url = command.authorization_url()
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8085%2F" in url
    pasted = consent(url, account=account).headers["Location"]
    code, output = command.finish(pasted)
    assert code == 0, output
    assert "ssh -L 8085:127.0.0.1:8085" in output
    assert linked_emails(setup, "alice") == [account]


@pytest.fixture
def pasting(setup, capsys, monkeypatch):
    """Run `gcaldav login --no-browser` in this process; ``answer(url)`` plays the person
    who signs in and pastes. Answers (exit code, everything printed)."""
    for name in ("OAUTHLIB_INSECURE_TRANSPORT", "OAUTHLIB_RELAX_TOKEN_SCOPE"):
        monkeypatch.setenv(name, "")        # whatever the command sets is undone after

    def run(answer) -> tuple[int, str]:
        shown = []

        def person(prompt: str) -> str:
            shown.append(capsys.readouterr().out)
            return answer(URL.search(shown[-1]).group(1))
        monkeypatch.setattr("builtins.input", person)
        code = main(["login", "--config", str(setup), "alice", "--no-browser"])
        captured = capsys.readouterr()
        return code, "".join(shown) + captured.out + captured.err
    return run


@pytest.mark.parametrize("tamper, message", [
    (lambda url: re.sub(r"state=[^&]+", "state=forged", url), "state does not match"),
    (lambda url: re.sub(r"code=[^&]+", "code=4%2F0Aforged", url),
     "Google refused the sign-in (invalid_grant"),
    (lambda url: url.split("?")[0], "not the address Google sent"),
])
def test_refused_answers_say_so_and_link_nothing(setup, pasting, new_account, tamper, message):
    account = new_account("tamper")["account"]
    code, output = pasting(lambda url: tamper(consent(url, account=account)
                                              .headers["Location"]))
    assert code == 1 and message in output, output
    assert "Traceback" not in output
    assert linked_emails(setup, "alice") == []


def test_an_answer_from_another_sign_in_is_refused(setup, pasting, new_account):
    account = new_account("reuse")["account"]
    first = []

    def once(url):
        first.append(consent(url, account=account).headers["Location"])
        return first[0]
    assert pasting(once)[0] == 0
    code, output = pasting(lambda url: first[0])
    assert code == 1 and "state does not match" in output


def test_a_code_used_once_is_refused_the_second_time(setup, new_account):
    config = login.client_config(_secrets_of(setup))
    flow = login.Flow.from_client_config(config, scopes=login.SCOPES,
                                         redirect_uri="http://127.0.0.1:8085/")
    url, state = flow.authorization_url(prompt="consent", access_type="offline")
    pasted = consent(url, account=new_account("once")["account"]).headers["Location"]
    assert login.finish(flow, pasted)["refresh_token"]
    again = login.Flow.from_client_config(config, scopes=login.SCOPES, state=state,
                                          redirect_uri="http://127.0.0.1:8085/",
                                          code_verifier=flow.code_verifier)
    with pytest.raises(login.LoginError, match=r"invalid_grant.*single-use"):
        login.finish(again, pasted)


def test_a_tasks_refusal_still_links_the_calendars(setup, pasting, new_account):
    account = new_account("granular")["account"]
    code, output = pasting(lambda url: consent(url, account=account, untick={
        login.TASKS_SCOPE}).headers["Location"])
    assert code == 0, output
    assert "Google Tasks access was not granted" in output
    assert linked_emails(setup, "alice") == [account]


def test_cancel_on_the_consent_page(pasting, new_account):
    account = new_account("deny")["account"]
    code, output = pasting(lambda url: consent(url, account=account, button="deny")
                           .headers["Location"])
    assert code == 1 and "Access was denied" in output, output


def test_a_wrong_verifier_is_refused_by_google(setup, new_account):
    # The verifier never leaves the process; tamper with it in-process.
    client = json.loads(Path(_secrets_of(setup)).read_text())
    config = login.client_config(_secrets_of(setup))
    flow = login.Flow.from_client_config(config, scopes=login.SCOPES,
                                         redirect_uri="http://127.0.0.1:8085/")
    url, _ = flow.authorization_url(prompt="consent", access_type="offline")
    pasted = consent(url, account=new_account("pkce")["account"]).headers["Location"]
    flow.code_verifier = "w" * 64
    with pytest.raises(login.LoginError, match="invalid_grant: Invalid code verifier") as caught:
        login.finish(flow, pasted)
    assert client["installed"]["client_secret"] not in str(caught.value)


def test_client_files_of_the_wrong_kind_are_explained(tmp_path, control):
    web = control.post("/oauth-clients", {"type": "web",
                                          "redirect_uris": ["https://x.example.com/cb"]})
    path = tmp_path / "web.json"
    path.write_text(json.dumps(web))
    with pytest.raises(login.LoginError, match="Web application client without a loopback "
                                               "redirect URI.*Desktop app"):
        login.client_config(str(path))
    path.write_text("not json")
    with pytest.raises(login.LoginError, match="is not JSON"):
        login.client_config(str(path))


def test_the_pages_web_client_serves_too_through_its_loopback_uri(setup, pasting,
                                                                  new_account, control):
    """One client file for the web pages and the command: its registered loopback URI."""
    web = control.post("/oauth-clients", {"type": "web", "redirect_uris": [
        "https://calendar.example.org/.gcaldav/oauth/callback", "http://127.0.0.1:8086/"]})
    Path(_secrets_of(setup)).write_text(json.dumps(web))
    account = new_account("web")["account"]
    seen = []

    def person(url):
        seen.append(url)
        return consent(url, account=account).headers["Location"]
    code, output = pasting(person)
    assert code == 0, output
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8086%2F" in seen[0]
    assert linked_emails(setup, "alice") == [account]


def test_login_without_a_client_file_says_where_to_set_it(tmp_path, capsys):
    (tmp_path / "users").write_text("")
    config = tmp_path / "c.conf"
    config.write_text(bridge_config(htpasswd=tmp_path / "users", data_dir=tmp_path / "d"))
    assert main(["login", "--config", str(config), "alice"]) == 2
    assert "--client-secrets FILE or set oauth_client_secrets" in capsys.readouterr().err


def _secrets_of(config: Path) -> str:
    return re.search(r"oauth_client_secrets = (\S+)", config.read_text()).group(1)
