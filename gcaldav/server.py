"""Serving Radicale with the plugin (``gcaldav serve``): every ``[server] hosts`` entry
(IPv4 and IPv6), TLS when ``[server] ssl`` is on, a bounded worker pool with socket timeouts,
and the door's limits in front of everything.

Radicale's own server loop owns its socket handling; we need our own launcher to route our
paths (the push webhook, /metrics, /healthz: ``web/``) before Radicale. The server runs the
bridge's background work (polling, push channels, pruning) while it serves.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import wsgiref.simple_server

from radicale import config
from radicale.server import RequestHandler
from werkzeug.exceptions import HTTPException

from radicale_plugin import registry
from radicale_plugin.login import SharedLogin
from radicale_plugin.options import PLUGIN_SCHEMA, background_from
from radicale_plugin.wsgi import caldav_app

from . import quiet_logs, tls
from .door import CHECKED_LOGIN, Door
from .pool import WorkerPool, dual_stack_off
from .web import WebApp
from .web.pages import pages_from
from .web.routes import ROUTES, WEBHOOK_PATH, maybe_ours
from .wsgi_path import for_werkzeug

access_logger = logging.getLogger("gcaldav.access")
# Logins a proxy vouches for, or none at all: there is no password to check at the door.
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "notice": logging.INFO,
          "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL}
EXTERNAL_AUTH = frozenset({"none", "remote_user", "http_x_remote_user", "http_remote_user"})


class Handler(RequestHandler):
    """Radicale's handler with an access log line that carries no query (tokens) and no
    header (credentials), and a buffered response stream: wsgiref writes the status line,
    Date, Server, the other headers and the body in five writes and flushes after the body,
    so unbuffered each was a send of its own (a small answer, a GET, took five system
    calls and woke the client for each); buffered, it goes out in one."""

    wbufsize = -1

    def log_request(self, code="-", size="-") -> None:
        path = (self.path or "").split("?", 1)[0]
        access_logger.info('%s "%s %s" %s %s', self.client_address[0], self.command, path,
                           code, size)


class WSGIServer(wsgiref.simple_server.WSGIServer):
    """One listening socket; the first one made also runs its ``siblings`` (further hosts)
    and owns the pool and the bridge's background work."""

    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, handler, pool: WorkerPool | None, ssl_context=None):
        self.address_family = _family(address)
        super().__init__(address, handler, bind_and_activate=False)
        try:
            dual_stack_off(self.socket)
            self.server_bind()
            self.server_activate()
        except BaseException:
            self.server_close()
            raise
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True,
                                                  do_handshake_on_connect=False)
        self.pool, self.siblings, self.bridge = pool, [], None
        self._sibling_threads: list[threading.Thread] = []

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"

    def process_request(self, request, client_address) -> None:
        self.pool.submit(self, request, client_address)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        for sibling in self.siblings:
            thread = threading.Thread(target=sibling.serve_forever, args=(poll_interval,),
                                      daemon=True)
            thread.start()
            self._sibling_threads.append(thread)
        super().serve_forever(poll_interval)

    def shutdown(self) -> None:
        if self._sibling_threads:
            for sibling in self.siblings:
                sibling.shutdown()
            self._sibling_threads.clear()
        super().shutdown()

    def server_close(self) -> None:
        super().server_close()
        for sibling in self.siblings:
            sibling.server_close()
        if self.bridge is not None:      # the first server: the pool and the work are its own
            self.pool.stop()
            self.bridge.stop_background()


def _family(address) -> socket.AddressFamily:
    host, port = address[:2]
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]


def load_configuration(path: str) -> config.Configuration:
    configuration = config.load(config.parse_compound_paths(path))
    if configuration.get("storage", "type") != "radicale_plugin":
        raise SystemExit(f"{path}: [storage] type must be radicale_plugin")
    return configuration


def serve_logging(configuration: config.Configuration, *, verbose: bool = False) -> None:
    """The process's log level from ``[logging] level`` (``-v``: at least info)."""
    level = LEVELS.get(configuration.get("logging", "level"), logging.INFO)
    logging.getLogger().setLevel(min(level, logging.INFO) if verbose else level)
    quiet_logs.install(rate_limit=True)


def make_app(configuration: config.Configuration) -> Door:
    quiet_logs.install()
    login = radicale_login(configuration)
    caldav = caldav_app(configuration, login)
    options = configuration.copy(PLUGIN_SCHEMA)
    access_logger.setLevel(logging.INFO if options.get("storage", "access_log")
                           else logging.WARNING)
    web = WebApp(caldav, registry.lookup(configuration),
                 login=login if options.get("storage", "metrics_auth") else None,
                 pages=pages_from(lambda name: options.get("storage", name), login))
    door_login = None if configuration.get("auth", "type") in EXTERNAL_AUTH else login
    return Door(web, max_length=configuration.get("server", "max_content_length"),
                login=door_login, exempt=_our_route, ical_check=web.bridge.check_body_limits)


def _our_route(environ) -> bool:
    """The webhook, /metrics and /healthz check their callers themselves."""
    if not maybe_ours(environ):
        return False
    try:
        ROUTES.bind_to_environ(for_werkzeug(environ)).match()
    except HTTPException:
        return False
    return True


def radicale_login(configuration) -> SharedLogin:
    """Check a user name and password with Radicale's own [auth] backend; answers the
    CalDAV user name it maps them to (``lc_username``, ``strip_domain``...), '' if refused.
    A check the door makes is not repeated by Radicale (radicale_plugin/login.py)."""
    return SharedLogin(configuration, CHECKED_LOGIN)


def make_server(configuration: config.Configuration, host: str | None = None,
                port: int | None = None) -> WSGIServer:
    """Listen on every ``hosts`` entry (or only ``host``/``port`` when given) and start
    serving: the request workers, the app and the bridge's background work."""
    background_from(configuration.copy(PLUGIN_SCHEMA), WEBHOOK_PATH)    # fail before binding
    server = bind(configuration, host, port)
    try:
        start(server, configuration)
    except BaseException:
        server.server_close()
        raise
    return server


def bind(configuration: config.Configuration, host: str | None = None,
         port: int | None = None) -> WSGIServer:
    """The listening sockets only: no thread, no database connection (so a pre-forking
    parent can bind once and hand them to its workers)."""
    addresses = _addresses(configuration.get("server", "hosts"), host, port)
    context = tls.server_context(configuration)
    timeout = configuration.get("server", "timeout")
    handler = type("Handler", (Handler,), {"timeout": timeout})
    servers: list[WSGIServer] = []
    try:
        for address in addresses:
            servers.append(WSGIServer(address, handler, None, context))
    except BaseException:
        for each in servers:
            each.server_close()
        raise
    server, server.siblings = servers[0], servers[1:]
    return server


def start(server: WSGIServer, configuration: config.Configuration) -> None:
    """Request workers, the app and the background work for ``bind``'s sockets."""
    background = background_from(configuration.copy(PLUGIN_SCHEMA), WEBHOOK_PATH)
    timeout = configuration.get("server", "timeout")
    workers = configuration.get("server", "max_connections")
    pool = WorkerPool(workers, backlog=workers * 8, timeout=timeout,
                      header_timeout=configuration.copy(PLUGIN_SCHEMA).get("storage",
                                                                            "header_timeout"))
    for each in (server, *server.siblings):
        each.pool = pool
    try:
        app = make_app(configuration)
        for each in (server, *server.siblings):
            each.set_app(app)
        server.bridge = app.app.bridge
        server.bridge.start_background(**background)
    except BaseException:
        pool.stop()
        raise


def _addresses(hosts, host: str | None, port: int | None) -> list[tuple[str, int]]:
    if host is not None or port is not None or not hosts:
        default_host, default_port = hosts[0] if hosts else ("127.0.0.1", 5232)
        return [(host or default_host, default_port if port is None else port)]
    return [(address, port) for address, port in hosts]
