"""Serving Radicale with the plugin: a threaded WSGI server (``gcaldav serve``).

Radicale's own server loop owns its socket handling; we need our own launcher to route our
paths (the push webhook, /metrics, /healthz: ``web/``) before Radicale. The server runs the
bridge's background work (polling, push channels, pruning) while it serves.
"""

from __future__ import annotations

import socketserver
import wsgiref.simple_server

import radicale
import radicale.auth
from radicale import config
from radicale.auth import AuthContext
from radicale.server import RequestHandler

from radicale_plugin import registry
from radicale_plugin.options import PLUGIN_SCHEMA, background_from
from radicale_plugin.wsgi import caldav_app

from .web import WebApp
from .web.pages import pages_from
from .web.routes import WEBHOOK_PATH


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


def make_app(configuration: config.Configuration) -> WebApp:
    app = caldav_app(configuration)
    options = configuration.copy(PLUGIN_SCHEMA)
    login = radicale_login(configuration)
    return WebApp(app, registry.lookup(configuration),
                  login=login if options.get("storage", "metrics_auth") else None,
                  pages=pages_from(lambda name: options.get("storage", name), login))


def radicale_login(configuration):
    """Check a user name and password with Radicale's own [auth] backend; answers the
    CalDAV user name it maps them to (``lc_username``, ``strip_domain``...), '' if refused."""
    backend = radicale.auth.load(configuration)

    def login(user: str, password: str) -> str:
        return backend.login(user, password, AuthContext())[0] or ""
    return login


def make_server(configuration: config.Configuration, host: str | None = None,
                port: int | None = None) -> ThreadingWSGIServer:
    background = background_from(configuration.copy(PLUGIN_SCHEMA), WEBHOOK_PATH)
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
