"""Serving Radicale with the plugin: a threaded WSGI server (``gcaldav serve``).

Radicale's own server loop owns its socket handling; we need our own launcher to wrap the
application in middleware (the push webhook, /metrics, /healthz: ``webhook.py``) — see
shared/reference/radicale-plugin-api.md §6, approach A. The server runs the bridge's
background work (polling, push channels, pruning) while it serves.
"""

from __future__ import annotations

import socketserver
import wsgiref.simple_server

import radicale
from radicale import config
from radicale.server import RequestHandler

from . import registry, webhook
from .options import PLUGIN_SCHEMA, background_from
from .outcome import OutcomeMiddleware


class ThreadingWSGIServer(socketserver.ThreadingMixIn, wsgiref.simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    bridge = None       # whose background work stops with the server

    def server_close(self) -> None:
        super().server_close()
        if self.bridge is not None:
            self.bridge.stop_background()


def load_configuration(path: str) -> config.Configuration:
    configuration = config.load(config.parse_compound_paths(path))
    if configuration.get("storage", "type") != "radicale_plugin":
        raise SystemExit(f"{path}: [storage] type must be radicale_plugin")
    return configuration


def make_app(configuration: config.Configuration):
    app = OutcomeMiddleware(radicale.Application(configuration))
    options = configuration.copy(PLUGIN_SCHEMA)
    login = webhook.radicale_login(configuration) \
        if options.get("storage", "metrics_auth") else None
    return webhook.Middleware(app, registry.lookup(configuration), login=login)


def make_server(configuration: config.Configuration, host: str | None = None,
                port: int | None = None) -> ThreadingWSGIServer:
    background = background_from(configuration.copy(PLUGIN_SCHEMA), webhook.WEBHOOK_PATH)
    hosts = configuration.get("server", "hosts")
    default_host, default_port = hosts[0] if hosts else ("127.0.0.1", 5232)
    server = ThreadingWSGIServer((host or default_host, default_port if port is None else port),
                                 RequestHandler)
    try:
        app = make_app(configuration)
        server.set_app(app)
        server.bridge = app.bridge
        app.bridge.start_background(**background)
    except BaseException:
        server.server_close()
        raise
    return server
