"""Quiet, useful logs for ``gcaldav serve``.

Radicale logs every refused request with a full traceback and the exception's text, which
for a parser error quotes the client's data; and a flood of forged push notifications would
write one warning each. Two logging filters fix that without touching Radicale:

- ``RefusalFilter`` (on the ``radicale`` logger): a "Bad … request" record loses its
  traceback and keeps one reason — the bridge's own refusal message (written for people,
  free of event data) or else only the exception's type; a refusal Radicale reports as a
  crash (its catch-all around a DELETE) becomes one warning with the client's real status;
- ``RepeatFilter``: the same message template from the same logger is written at most once
  per ``window`` seconds; the next one written says how many were held back. On Radicale's
  logger only warnings and above (refusals a client can repeat at will), not its per-request
  info lines.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from http.client import responses

from radicale_plugin import outcome

_QUOTED = re.compile(r"'[^']*'")
REPEATED_LOGGERS = (("bridge.background.notifications", logging.NOTSET),
                    ("gcaldav.door", logging.NOTSET), ("gcaldav.pool", logging.NOTSET),
                    ("bridge.google.budget", logging.NOTSET), ("radicale", logging.WARNING))


class RefusalFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Bad PUT request content"):
            return False                    # the body itself: never logged
        answer = outcome.refused()
        if answer is not None and record.levelno >= logging.ERROR:
            return _as_refusal(record, message, answer)
        if not (record.exc_info and message.startswith("Bad ")):
            return True
        head = message.split(": %s", 1)[0]
        shown = head.count("%") - 2 * head.count("%%")
        args = record.args if isinstance(record.args, tuple) else ()
        record.msg, record.args = head + ": %s", (*args[:shown], reason(record.exc_info[1]))
        record.exc_info = record.exc_text = None
        return True


def _as_refusal(record: logging.LogRecord, message: str, answer) -> bool:
    """A refusal that reached Radicale's catch-all (a DELETE has no handler of its own) is
    logged there as a crash: "Exception: …", then a 500 status line. Say what the client got."""
    if message == "Exception: %s":
        record.msg, record.args = "Refused %s: %s", (answer.status, answer.message)
    elif "response status" in message:
        record.msg = record.getMessage().replace(
            "500 Internal Server Error", f"{answer.status} {responses.get(answer.status, '')}")
        record.args = None
    record.levelno, record.levelname = logging.WARNING, "WARNING"
    record.exc_info = record.exc_text = None
    return True


class RefusalTraceback(logging.Filter):
    """On the root logger, where Radicale's catch-all writes its traceback as plain text."""

    def filter(self, record: logging.LogRecord) -> bool:
        return outcome.refused() is None


def reason(exc: BaseException | None) -> str:
    """The plugin raises its refusals as ValueError/RuntimeError ``from None`` carrying the
    domain error's message; anything else is named by type only (its text may quote data)."""
    if type(exc) in (ValueError, RuntimeError) and exc.__suppress_context__:
        return str(exc)
    return type(exc).__name__


class RepeatFilter(logging.Filter):
    def __init__(self, window: float = 60.0, clock=time.monotonic, level: int = logging.NOTSET):
        super().__init__()
        self.window, self.clock, self.level = window, clock, level
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level:
            return True
        # Quoted values (ids an attacker varies) do not make a message new.
        key, now = (record.name, _QUOTED.sub("", record.getMessage())), self.clock()
        with self._lock:
            last, held = self._seen.get(key, (None, 0))
            if last is not None and now - last < self.window:
                self._seen[key] = (last, held + 1)
                return False
            self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last %.0f s)"
            record.args = (*(record.args if isinstance(record.args, tuple) else ()),
                           now - last)
        return True


_installed = threading.Lock()


def install(*, rate_limit: bool = False) -> None:
    """Attach the filters once per process (servers may be made several times); the rate
    limit only for a serving process (``gcaldav serve``), where it is process-wide."""
    with _installed:
        radicale = logging.getLogger("radicale")
        if not any(isinstance(f, RefusalFilter) for f in radicale.filters):
            radicale.addFilter(RefusalFilter())
            logging.getLogger().addFilter(RefusalTraceback())
        for name, level in REPEATED_LOGGERS if rate_limit else ():
            logger = logging.getLogger(name)
            if not any(isinstance(f, RepeatFilter) for f in logger.filters):
                logger.addFilter(RepeatFilter(level=level))
