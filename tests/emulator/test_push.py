"""Push notifications (events.watch, calendarList.watch, channels.stop) over real HTTP.

A local webhook receiver records every POST the emulator delivers; waits poll with a deadline.
To show that a channel stays silent, a second ("sentinel") channel on the same resource proves
the change was processed, then the silent channel must stay quiet for a short while longer.
"""

import email.utils
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from googleapiclient.errors import HttpError
from tests.support import wait_for

HEADERS = ("x-goog-channel-id", "x-goog-channel-token", "x-goog-channel-expiration",
           "x-goog-resource-id", "x-goog-resource-uri", "x-goog-resource-state",
           "x-goog-message-number")


class Receiver:
    """A webhook endpoint on 127.0.0.1 recording method, headers (lower-cased) and body."""

    def __init__(self):
        self.messages: list[dict] = []
        self.replies: list[int] = []        # statuses to answer next (then 200)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    status = receiver.replies.pop(0) if receiver.replies else 200
                    receiver.messages.append({
                        "method": self.command, "body": body, "status": status,
                        "headers": {k.lower(): v for k, v in self.headers.items()}})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def of(self, channel_id: str, state: str | None = None) -> list[dict]:
        with self.lock:
            return [m for m in self.messages
                    if m["headers"].get("x-goog-channel-id") == channel_id
                    and state in (None, m["headers"].get("x-goog-resource-state"))]

    def wait(self, channel_id: str, state: str, count: int = 1, timeout: float = 10) -> list:
        return wait_for(lambda: len(self.of(channel_id, state)) >= count and
                        self.of(channel_id, state),
                        timeout, f"{count} {state!r} message(s) on {channel_id}")




def quiet(receiver: "Receiver", channel_id: str, seen: int = 0, seconds: float = 0.3) -> bool:
    """True if no `exists` message beyond the `seen` ones arrives within `seconds`."""
    return not wait_for(lambda: len(receiver.of(channel_id, "exists")) > seen, seconds, None)


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


def channel_body(address: str, **extra) -> dict:
    return {"id": "ch-" + uuid.uuid4().hex, "type": "web_hook", "address": address, **extra}


def watch(svc, address: str, calendar: str = "primary", **extra) -> dict:
    return svc.events().watch(calendarId=calendar, body=channel_body(address, **extra)).execute()


def subscribed(svc, receiver: Receiver, **extra) -> dict:
    """A channel on the primary calendar whose `sync` message has arrived."""
    channel = watch(svc, receiver.url, **extra)
    receiver.wait(channel["id"], "sync")
    return channel


def stop(svc, channel: dict):
    return svc.channels().stop(body={"id": channel["id"],
                                     "resourceId": channel["resourceId"]}).execute()


def insert(svc, summary: str = "Ping") -> dict:
    body = {"summary": summary, "start": {"dateTime": "2026-06-01T10:00:00Z"},
            "end": {"dateTime": "2026-06-01T11:00:00Z"}}
    return svc.events().insert(calendarId="primary", body=body).execute()


def number(message: dict) -> int:
    return int(message["headers"]["x-goog-message-number"])


def http_status(call) -> tuple[int, str]:
    with pytest.raises(HttpError) as info:
        call()
    return info.value.resp.status, info.value.error_details[0]["reason"]


# --- events.watch -----------------------------------------------------------------------------

def test_watch_answers_channel_then_sync_and_exists_messages(svc, alice, control, receiver):
    expiration = int(time.time() * 1000) + 3_600_000
    channel = watch(svc, receiver.url, token="cal=primary&acct=42", expiration=expiration)
    assert channel["kind"] == "api#channel"
    assert channel["id"].startswith("ch-") and channel["resourceId"]
    assert alice["account"] in channel["resourceUri"]
    assert "/calendar/v3/calendars/" in channel["resourceUri"]
    assert channel["token"] == "cal=primary&acct=42"
    assert channel["expiration"] == str(expiration)
    [sync] = receiver.wait(channel["id"], "sync")
    assert number(sync) == 1
    event = insert(svc)
    receiver.wait(channel["id"], "exists")
    control.patch(f"/calendars/{alice['account']}/events/{event['id']}", {"summary": "Moved"})
    exists = receiver.wait(channel["id"], "exists", 2)
    for message in [sync, *exists]:
        headers = message["headers"]
        assert message["method"] == "POST" and message["body"] == b""
        assert headers["user-agent"].startswith("APIs-Google")
        assert headers["content-type"] == "application/json; utf-8"
        assert all(name in headers for name in HEADERS), headers
        assert headers["x-goog-channel-token"] == "cal=primary&acct=42"
        assert headers["x-goog-resource-id"] == channel["resourceId"]
        assert headers["x-goog-resource-uri"] == channel["resourceUri"]
        sent = email.utils.parsedate_to_datetime(headers["x-goog-channel-expiration"])
        assert int(sent.timestamp()) == expiration // 1000
    numbers = [number(m) for m in [sync, *exists]]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1


@pytest.mark.parametrize("extra, seconds", [
    ({}, 604_800),                                              # Google's default: 7 days
    ({"params": {"ttl": "60"}, "expiration": int(time.time() * 1000) + 3_600_000}, 60),
])
def test_expiration_is_a_string_of_ms_capped_by_ttl(svc, receiver, extra, seconds):
    channel = subscribed(svc, receiver, **extra)
    assert isinstance(channel["expiration"], str) and channel["expiration"].isdigit()
    assert abs(int(channel["expiration"]) - (time.time() + seconds) * 1000) < 5_000
    assert "token" not in channel
    assert "x-goog-channel-token" not in receiver.of(channel["id"])[0]["headers"]


def test_only_accessible_calendars_can_be_watched(svc, new_account, service_for, receiver):
    bob = new_account("bob")
    call = lambda: watch(svc, receiver.url, calendar=bob["account"])  # noqa: E731
    assert http_status(call) == (404, "notFound")
    channel = subscribed(svc, receiver)
    call = lambda: stop(service_for(bob), channel)  # noqa: E731
    assert http_status(call) == (404, "notFound")       # only its creator can stop it
    stop(svc, channel)


def test_stop_silences_the_channel_and_a_second_stop_is_404(svc, receiver):
    stopped, sentinel = subscribed(svc, receiver), subscribed(svc, receiver)
    assert stop(svc, stopped) in ("", None, {})
    insert(svc)
    receiver.wait(sentinel["id"], "exists")
    assert quiet(receiver, stopped["id"])
    assert http_status(lambda: stop(svc, stopped)) == (404, "notFound")


def test_channel_goes_silent_once_expired(svc, control, receiver):
    expiration = int(time.time() * 1000) + 1500
    short = watch(svc, receiver.url, expiration=expiration)
    sentinel = watch(svc, receiver.url)
    insert(svc, "before expiry")
    receiver.wait(short["id"], "exists")
    wait_for(lambda: time.time() * 1000 > expiration + 50, 5, "the channel to expire")
    insert(svc, "after expiry")
    receiver.wait(sentinel["id"], "exists", 2)
    assert quiet(receiver, short["id"], seen=1)
    [state] = [c for c in control.get("/channels")["channels"] if c["id"] == short["id"]]
    assert state["live"] is False


# --- watch request validation -----------------------------------------------------------------

def test_duplicate_channel_id_is_rejected(svc, receiver):
    body = channel_body(receiver.url)
    svc.events().watch(calendarId="primary", body=body).execute()
    call = lambda: svc.events().watch(calendarId="primary", body=body).execute()  # noqa: E731
    assert http_status(call) == (400, "channelIdNotUnique")


@pytest.mark.parametrize("change, reason", [
    ({"type": "email"}, "push.channelTypeNotSupported"),
    ({"address": "http://example.com/hook"}, "push.webhookUrlUnauthorized"),
    ({"address": "ftp://127.0.0.1/hook"}, "push.webhookUrlUnauthorized"),
    ({"id": "x" * 65}, "invalid"),
    ({"token": "t" * 257}, "invalid"),
])
def test_bad_watch_requests_are_rejected(svc, receiver, control, change, reason):
    body = {**channel_body(receiver.url), **change}
    call = lambda: svc.events().watch(calendarId="primary", body=body).execute()  # noqa: E731
    assert http_status(call) == (400, reason)
    assert body["id"] not in {c["id"] for c in control.get("/channels")["channels"]}


def test_https_and_loopback_http_addresses_are_accepted(svc, receiver):
    loopback = watch(svc, receiver.url.replace("127.0.0.1", "localhost"))
    assert loopback["kind"] == "api#channel"
    receiver.wait(loopback["id"], "sync")
    # Nothing listens on port 1; stop at once so the emulator does not keep retrying.
    secure = watch(svc, "https://127.0.0.1:1/hook")
    assert secure["kind"] == "api#channel"
    stop(svc, secure)


# --- calendarList.watch -----------------------------------------------------------------------

def test_calendar_list_watch_is_notified_when_a_calendar_is_shared(svc, alice, new_account,
                                                                   control, receiver):
    body = channel_body(receiver.url)
    channel = svc.calendarList().watch(body=body).execute()
    assert channel["kind"] == "api#channel"
    assert channel["resourceUri"].split("?")[0].endswith("/users/me/calendarList")
    receiver.wait(channel["id"], "sync")
    bob = new_account("bob")
    calendar = control.post("/calendars", {"owner": bob["account"], "summary": "Bob's"})
    control.post(f"/calendars/{calendar['id']}/acl", {"email": alice["account"], "role": "reader"})
    [message] = receiver.wait(channel["id"], "exists")
    assert number(message) == 2             # creating Bob's calendar did not notify Alice
    assert message["headers"]["x-goog-resource-uri"] == channel["resourceUri"]
    assert message["headers"]["x-goog-resource-id"] == channel["resourceId"]


# --- push faults and receiver failures --------------------------------------------------------

def test_dropped_notification_leaves_a_gap(svc, control, receiver):
    channel = subscribed(svc, receiver)
    control.post("/push/faults", {"drop": 1})
    insert(svc, "dropped")
    insert(svc, "delivered")
    [message] = receiver.wait(channel["id"], "exists")
    assert number(message) == 3             # number 2 was dropped


def test_duplicated_notification_arrives_twice_with_one_number(svc, control, receiver):
    channel = subscribed(svc, receiver)
    control.post("/push/faults", {"duplicate": 1})
    insert(svc)
    first, second = receiver.wait(channel["id"], "exists", 2)
    assert number(first) == number(second) == 2
    insert(svc, "next")
    assert number(receiver.wait(channel["id"], "exists", 3)[2]) == 3


@pytest.mark.parametrize("reply, expected", [
    (503, [(503, 2), (200, 2), (200, 3)]),      # 500/502/503/504 are retried
    (400, [(400, 2), (200, 3)]),                # any other failure is not
])
def test_receiver_failure_is_retried_only_for_5xx(svc, receiver, reply, expected):
    channel = subscribed(svc, receiver)
    receiver.replies.append(reply)
    insert(svc, "first")
    insert(svc, "second")
    messages = receiver.wait(channel["id"], "exists", len(expected))
    assert quiet(receiver, channel["id"], seen=len(expected))
    assert [(m["status"], number(m)) for m in messages] == expected


def test_failing_receiver_does_not_delay_other_channels(svc, new_account, service_for, receiver):
    failing = Receiver()
    slow = subscribed(svc, failing)
    bob = service_for(new_account("bob"))
    other = subscribed(bob, receiver)
    failing.replies.extend([503] * 10)
    try:
        insert(svc, "retried for seconds")
        insert(bob, "should arrive at once")
        receiver.wait(other["id"], "exists", timeout=3)
        assert len(failing.of(slow["id"], "exists")) <= 2    # still being retried meanwhile
        failing.wait(slow["id"], "exists", 3)
    finally:
        stop(svc, slow)
        failing.server.shutdown()
        failing.server.server_close()
