"""Calling the WSGI application inside a middleware and holding its whole answer, to read or
rewrite it (Radicale gzips answers for clients that accept it: the body comes back plain)."""

from __future__ import annotations

import gzip


def call(app, environ, *, plain_if=lambda status: True) -> tuple[str, list, bytes]:
    """(status, headers, body) of the inner application's answer; the body is un-gzipped if
    ``plain_if(status)``."""
    captured = {}

    def start(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    body = app(environ, start)
    try:
        content = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    headers = captured["headers"]
    if plain_if(captured["status"]) and any(
            k.lower() == "content-encoding" and v.lower() == "gzip" for k, v in headers):
        content = gzip.decompress(content)
        headers = [(k, v) for k, v in headers if k.lower() != "content-encoding"]
    return captured["status"], headers, content


def reply(start_response, status: str, headers: list, content: bytes):
    """Answer with ``content`` (plain), its length replacing any the headers had."""
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    start_response(status, headers + [("Content-Length", str(len(content)))])
    return [content]
