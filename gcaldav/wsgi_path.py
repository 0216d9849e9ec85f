"""Radicale's request handler puts the decoded path in PATH_INFO as text, while werkzeug
expects the WSGI form (the path's UTF-8 bytes as Latin-1) and fails on any other character.
Routing looks at a copy in that form; Radicale keeps its own."""

from __future__ import annotations


def for_werkzeug(environ: dict) -> dict:
    path = environ.get("PATH_INFO", "")
    try:
        path.encode("latin-1")
        return environ
    except UnicodeEncodeError:
        wsgi = path.encode("utf-8", "surrogateescape").decode("latin-1")
        return {**environ, "PATH_INFO": wsgi}
