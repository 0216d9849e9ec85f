"""Push notifications: watch channels and their delivery.

A channel watches one resource (a calendar's events, or an account's calendar list). Right
after it is created the receiver gets a ``sync`` message (number 1), then an ``exists``
message after each change. Each channel delivers from its own thread, in order, so API calls
never wait on receivers and a slow or failing receiver delays no other channel.
Receivers answering 500/502/503/504 are retried with backoff; anything else non-2xx is a
failed message, as with Google. Expired or stopped channels go silent.
"""

from __future__ import annotations

import email.utils
import hashlib
import ipaddress
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from . import errors
from .call import Call
from .state import World

log = logging.getLogger(__name__)

DEFAULT_TTL = 604800            # seconds (7 days), Google's documented default
MAX_TTL = 30 * 86400            # our cap; Google's is unpublished
RETRY_STATUSES = (500, 502, 503, 504)
SUCCESS_STATUSES = (200, 201, 202, 204, 102)


@dataclass
class Channel:
    id: str
    resource_id: str
    resource_uri: str
    kind: str                   # "events" or "calendarList"
    key: str                    # calendar id or account email
    owner: str
    address: str
    token: str | None
    expiration_ms: int
    message_number: int = 0
    stopped: bool = False
    stopped_at: float | None = None     # POSIX time of channels.stop, for the control API

    def live(self) -> bool:
        return not self.stopped and self.expiration_ms > time.time() * 1000

    def resource(self) -> dict:
        out = {"kind": "api#channel", "id": self.id, "resourceId": self.resource_id,
               "resourceUri": self.resource_uri}
        if self.token is not None:
            out["token"] = self.token
        out["expiration"] = str(self.expiration_ms)
        return out


class Push:
    def __init__(self, world: World, api_base: str, retry_delays=(0.5, 1.0, 2.0, 4.0)):
        self.world = world
        self.api_base = api_base.rstrip("/") + "/"
        self.retry_delays = retry_delays
        self.channels: dict[str, Channel] = {}
        self.drop_next = 0
        self.duplicate_next = 0
        self.delivered = 0
        self._lock = threading.Lock()
        self._queues: dict[str, queue.Queue] = {}
        world.listeners.append(self._on_change)

    # --- API handlers ---------------------------------------------------------------------------

    def watch_events(self, call: Call, calendarId: str) -> dict:
        with call.world.lock:
            calendar, _ = call.calendar(calendarId)
        uri = f"{self.api_base}calendars/{quote(calendar.id, safe='@')}/events?alt=json"
        return self._create(call, "events", calendar.id, uri)

    def watch_calendar_list(self, call: Call) -> dict:
        uri = f"{self.api_base}users/me/calendarList?alt=json"
        return self._create(call, "calendarList", call.account.email, uri)

    def stop(self, call: Call) -> None:
        body = call.body if isinstance(call.body, dict) else {}
        with self._lock:
            channel = self.channels.get(body.get("id", ""))
            if (channel is None or channel.stopped or channel.owner != call.account.email
                    or body.get("resourceId") != channel.resource_id):
                raise errors.ApiError(404, "notFound",
                                      f"Channel '{body.get('id')}' not found for project")
            channel.stopped, channel.stopped_at = True, time.time()

    def _create(self, call: Call, kind: str, key: str, uri: str) -> dict:
        body = call.body if isinstance(call.body, dict) else None
        if body is None:
            raise errors.parse_error()
        channel_id, address = body.get("id"), body.get("address")
        if not channel_id or not isinstance(channel_id, str) or len(channel_id) > 64:
            raise errors.invalid("Invalid channel id: it is required and at most 64 characters.",
                                 location="id")
        if body.get("type") not in ("web_hook", "webhook"):
            raise errors.ApiError(400, "push.channelTypeNotSupported",
                                  f"Channel type '{body.get('type')}' is not supported.",
                                  domain="push")
        if not _address_allowed(address):
            raise errors.ApiError(400, "push.webhookUrlUnauthorized",
                                  f"Unauthorized WebHook callback channel: {address}",
                                  domain="push")
        token = body.get("token")
        if token is not None and len(str(token)) > 256:
            raise errors.invalid("Channel token is longer than 256 characters.", location="token")
        channel = Channel(id=channel_id, resource_id=_resource_id(kind, key), resource_uri=uri,
                          kind=kind, key=key, owner=call.account.email, address=address,
                          token=token, expiration_ms=_expiration(body))
        with self._lock:
            if channel_id in self.channels:
                raise errors.ApiError(400, "channelIdNotUnique",
                                      f"Channel id {channel_id} not unique")
            self.channels[channel_id] = channel
            self._enqueue(channel, "sync")
        return channel.resource()

    # --- delivery ----------------------------------------------------------------------------

    def _on_change(self, kind: str, key: str) -> None:
        with self._lock:
            for channel in self.channels.values():
                if channel.kind == kind and channel.key == key and channel.live():
                    if self.drop_next > 0:
                        self.drop_next -= 1
                        channel.message_number += 1     # Google's numbers have gaps too
                        continue
                    self._enqueue(channel, "exists")
                    if self.duplicate_next > 0:
                        self.duplicate_next -= 1
                        self._queues[channel.id].put(("exists", channel.message_number))

    def _enqueue(self, channel: Channel, state: str) -> None:
        """Queue a message (caller holds ``_lock``); the channel's thread starts with its first."""
        if channel.id not in self._queues:
            self._queues[channel.id] = queue.Queue()
            threading.Thread(target=self._run, args=(channel, self._queues[channel.id]),
                             name=f"push-{channel.id[:16]}", daemon=True).start()
        channel.message_number += 1
        self._queues[channel.id].put((state, channel.message_number))

    def _run(self, channel: Channel, messages: queue.Queue) -> None:
        while True:
            try:
                state, number = messages.get(timeout=30)
            except queue.Empty:
                with self._lock:
                    if not channel.live() and messages.empty():
                        del self._queues[channel.id]    # a dead channel's thread ends
                        return
                continue
            try:
                self._deliver(channel, state, number)
            except Exception:       # a broken receiver must never kill the delivery thread
                log.exception("push delivery to %s failed", channel.address)

    def _deliver(self, channel: Channel, state: str, number: int) -> None:
        headers = {
            "User-Agent": "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
            "Content-Type": "application/json; utf-8",
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": email.utils.formatdate(
                channel.expiration_ms / 1000, usegmt=True),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(number),
        }
        if channel.token is not None:
            headers["X-Goog-Channel-Token"] = channel.token
        for delay in (0.0, *self.retry_delays):
            time.sleep(delay)
            if not channel.live():
                return
            request = urllib.request.Request(channel.address, data=b"", headers=headers,
                                             method="POST")
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 503        # unreachable receiver: retried like a 503
            if status in SUCCESS_STATUSES:
                with self._lock:
                    self.delivered += 1
                return
            if status not in RETRY_STATUSES:
                return


def _address_allowed(address: object) -> bool:
    """HTTPS, or plain HTTP to a loopback receiver (tests, demo)."""
    if not isinstance(address, str):
        return False
    parts = urlsplit(address)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def _expiration(body: dict) -> int:
    now_ms = int(time.time() * 1000)
    ttl = DEFAULT_TTL
    try:
        ttl = min(int((body.get("params") or {}).get("ttl", DEFAULT_TTL)), MAX_TTL)
    except (TypeError, ValueError):
        raise errors.invalid("Invalid value for: params.ttl", location="params.ttl") from None
    limit = now_ms + ttl * 1000
    requested = body.get("expiration")
    if requested is None:
        return limit
    try:
        return min(int(requested), limit)
    except (TypeError, ValueError):
        raise errors.invalid("Invalid value for: expiration", location="expiration") from None


def _resource_id(kind: str, key: str) -> str:
    return hashlib.sha1(f"{kind}:{key}".encode()).hexdigest()[:27]
