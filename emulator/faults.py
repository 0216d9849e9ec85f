"""Fault injection: make the next N API requests fail the way Google fails.

Kinds: ``error`` (a status with Google's body, e.g. 403 rateLimitExceeded, 429 with
Retry-After, 503 backendError), ``delay`` (answer late), ``slow_reply`` (apply the request,
then answer late: what it describes may have changed by the time it arrives, as over a slow
link), ``disconnect`` (close the connection before doing anything), ``lose_reply`` (apply the request, then close the connection, so
the client cannot know it succeeded) and ``truncate`` (apply the request, then send only the
first half of the answer's body: with ``cut`` "close" the headers promise the whole body and
the connection closes mid-body; with "short" the answer looks complete but its body stops
short, as a broken proxy delivers it).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

from werkzeug.wrappers import Response

from . import errors

KINDS = ("error", "delay", "slow_reply", "disconnect", "lose_reply", "truncate")
CUTS = ("close", "short")


@dataclass
class Fault:
    kind: str
    count: int = 1
    method: str | None = None         # e.g. "events.list"; None matches every API method
    calendar: str | None = None       # a calendarId; None matches every calendar
    status: int = 503
    reason: str | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    cut: str = "close"                # truncate: "close" mid-body, or a "short" whole answer

    def error(self) -> errors.ApiError:
        return errors.injected(self.status, self.reason, self.retry_after)


def parse(spec: object) -> Fault:
    """A fault from the control API's JSON, with a readable 400 for nonsense."""
    if not isinstance(spec, dict):
        raise errors.bad_request("A fault is a JSON object.")
    kind = spec.get("kind", "error")
    if kind not in KINDS:
        raise errors.bad_request(f"Unknown fault kind {kind!r}; expected one of {KINDS}.")
    try:
        fault = Fault(kind=kind, count=int(spec.get("count", 1)), method=spec.get("method"),
                      calendar=spec.get("calendar"),
                      status=int(spec.get("status", 503)), reason=spec.get("reason"),
                      retry_after=(int(spec["retry_after"]) if spec.get("retry_after") is not None
                                   else None),
                      seconds=float(spec.get("seconds", 0.0)),
                      cut=spec.get("cut", "close"))
    except (TypeError, ValueError) as exc:
        raise errors.bad_request(f"Bad fault field: {exc}") from None
    if fault.count < 1:
        raise errors.bad_request("count must be at least 1.")
    if fault.cut not in CUTS:
        raise errors.bad_request(f"Unknown cut {fault.cut!r}; expected one of {CUTS}.")
    return fault


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pending(self) -> list[dict]:
        with self._lock:
            return [vars(rule).copy() for rule in self._rules]

    def take(self, method: str, *, exact: bool = False,
             calendar: str | None = None) -> Fault | None:
        """Consume one use of the first rule matching this method (and calendar, for a rule
        that names one); with ``exact`` (the token endpoint) a rule for every method does not
        count."""
        with self._lock:
            for rule in self._rules:
                if rule.calendar is not None and rule.calendar != calendar:
                    continue
                if rule.method == method or (rule.method is None and not exact):
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                    return rule
        return None


def truncated(response: Response, environ, cut: str) -> Response:
    """``response`` with only the first half of its body (an answer without a body cannot be
    cut: its connection closes before the answer, as for a lost reply)."""
    body = response.get_data()
    if not body:
        drop_connection(environ)
    part = body[:len(body) // 2]

    def stream():
        yield part
        if cut == "close":
            drop_connection(environ)

    out = Response(stream(), status=response.status_code, headers=list(response.headers))
    out.headers["Content-Length"] = str(len(body) if cut == "close" else len(part))
    return out


def drop_connection(environ) -> None:
    """Close the client's connection without an answer (werkzeug exposes the socket)."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionResetError("fault injection: connection dropped")
