"""Answers Radicale cannot give for a storage plugin, given by a WSGI middleware; and the
one table mapping the engine's domain errors to HTTP statuses and CalDAV preconditions.

Radicale maps whatever ``upload``/``delete`` raise to 400/403/500; a bridge must also answer
412 (Google changed meanwhile), 503 with Retry-After (rate limits), 502, a CalDAV
precondition, and a message a person understands. The collection records the domain error
for the current request thread here and raises; the middleware, which runs on the same
thread, replaces Radicale's answer with it. It also drops the ETag of a PUT whose stored
object differs from what was sent (RFC 4791 §5.3.4), so clients fetch the stored version,
and keeps Radicale's when the stored bytes are the sent ones (the write path keeps a
client's bytes while Google holds their meaning: bridge/translate/events/sent.py).
"""

from __future__ import annotations

import io
import threading
from xml.sax.saxutils import escape

from dataclasses import dataclass

from bridge import errors

_local = threading.local()
NAMESPACES = {"C": "urn:ietf:params:xml:ns:caldav", "D": "DAV:"}


@dataclass(frozen=True)
class Answer:
    status: int
    message: str
    precondition: str | None = None         # a CalDAV/WebDAV precondition element
    retry_after: int | None = None


def answer_for(error: errors.BridgeError) -> Answer:
    """The HTTP answer for a domain error."""
    message = error.message
    if isinstance(error, errors.Unsupported):
        if error.component:
            return Answer(403, message, "C:supported-calendar-component")
        return Answer(403, message)
    if isinstance(error, errors.Conflict):
        return Answer(409, message, "C:no-uid-conflict" if error.uid else None)
    if isinstance(error, errors.PreconditionFailed):
        return Answer(412, message)
    if isinstance(error, errors.ReadOnly):
        return Answer(403, message, "D:need-privileges")
    if isinstance(error, errors.NotFound):
        return Answer(404, message)
    if isinstance(error, errors.RateLimited):
        return Answer(503, message, retry_after=error.retry_after)
    if isinstance(error, errors.NeedsSignIn):
        return Answer(503, message, retry_after=300)
    if isinstance(error, errors.Upstream):
        return Answer(502 if error.retry_after is None else 503, message,
                      retry_after=error.retry_after)
    if isinstance(error, errors.InvalidSyncToken):
        return Answer(403, message, "D:valid-sync-token")
    return Answer(400, message)


def fail(error: errors.BridgeError) -> None:
    _local.error = answer_for(error)


def refused() -> Answer | None:
    """The answer the storage recorded for the write being handled on this thread, if it
    refused it (Radicale logs a DELETE's refusal as a crash with a 500; the logs ask)."""
    return getattr(_local, "error", None)


def stored_differs() -> None:
    _local.drop_etag = True


def sent_body() -> bytes | None:
    """The raw body of the PUT being handled on this thread."""
    return getattr(_local, "body", None)


# Only the storage's writes record an outcome (fail, stored_differs): reads pass through.
READS = frozenset({"GET", "HEAD", "OPTIONS", "PROPFIND", "REPORT"})


class OutcomeMiddleware:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD", "").upper() in READS:
            return self.app(environ, start_response)
        _local.error, _local.drop_etag, _local.body = None, False, None
        if environ.get("REQUEST_METHOD") == "PUT":
            # Keep the exact bytes: whether to send an ETag depends on them (§5.3.4).
            length = int(environ.get("CONTENT_LENGTH") or 0)
            _local.body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(_local.body)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = self.app(environ, capture)
        error, drop_etag = _local.error, _local.drop_etag
        _local.error, _local.drop_etag, _local.body = None, False, None
        if error is None:
            headers = captured["headers"]
            if drop_etag:
                headers = [(k, v) for k, v in headers if k.lower() != "etag"]
            start_response(captured["status"], headers)
            return body
        if hasattr(body, "close"):
            body.close()
        return _answer(error, start_response)


def _answer(error: Answer, start_response):
    from http.client import responses
    if error.precondition:
        prefix, name = error.precondition.split(":", 1)
        content = (f'<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:" '
                   f'xmlns:{prefix}="{NAMESPACES[prefix]}"><{prefix}:{name}/>'
                   f'<D:responsedescription>{escape(error.message)}</D:responsedescription>'
                   f'</D:error>').encode()
        content_type = "application/xml; charset=utf-8"
    else:
        content = (error.message + "\n").encode()
        content_type = "text/plain; charset=utf-8"
    headers = [("Content-Type", content_type), ("Content-Length", str(len(content)))]
    if error.retry_after is not None:
        headers.append(("Retry-After", str(error.retry_after)))
    start_response(f"{error.status} {responses.get(error.status, 'Error')}", headers)
    return [content]
