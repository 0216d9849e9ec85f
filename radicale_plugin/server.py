"""Serving Radicale with the plugin: a threaded WSGI server (``gcaldav serve``).

Radicale's own server loop owns its socket handling; we need our own launcher so later
issues can wrap the application in middleware (the push webhook, metrics) — see
shared/reference/radicale-plugin-api.md §6, approach A.
"""

from __future__ import annotations

import socketserver
import wsgiref.simple_server

import radicale
from radicale import config
from radicale.server import RequestHandler

from .outcome import OutcomeMiddleware


class ThreadingWSGIServer(socketserver.ThreadingMixIn, wsgiref.simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def load_configuration(path: str) -> config.Configuration:
    configuration = config.load(config.parse_compound_paths(path))
    if configuration.get("storage", "type") != "radicale_plugin":
        raise SystemExit(f"{path}: [storage] type must be radicale_plugin")
    return configuration


def make_app(configuration: config.Configuration):
    return OutcomeMiddleware(radicale.Application(configuration))


def make_server(configuration: config.Configuration, host: str | None = None,
                port: int | None = None) -> ThreadingWSGIServer:
    hosts = configuration.get("server", "hosts")
    default_host, default_port = hosts[0] if hosts else ("127.0.0.1", 5232)
    server = ThreadingWSGIServer((host or default_host, default_port if port is None else port),
                                 RequestHandler)
    server.set_app(make_app(configuration))
    return server
