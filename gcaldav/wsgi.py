"""The WSGI application for production servers, e.g. four worker processes under gunicorn:

    GCALDAV_CONFIG=/etc/gcaldav/config gunicorn -w 4 -b 0.0.0.0:5232 'gcaldav.wsgi:application'

Every worker serves CalDAV, the push webhook, /metrics and /healthz, and runs the background
work (polling, calendar-list refresh, push channels, pruning); the database hands each piece
of that work to one process per period, so any number of workers, on any number of hosts
behind a load balancer, share it. That needs PostgreSQL (``[storage] database =
postgresql+psycopg://...``): SQLite allows one process. Do not ``--preload``: the background
threads must start in each worker, after the fork. Without a WSGI server,
``gcaldav serve --workers N`` pre-forks the same way (gcaldav/workers.py).
"""

from __future__ import annotations

import atexit
import os

from radicale_plugin import registry
from radicale_plugin.options import PLUGIN_SCHEMA, background_from

from .server import load_configuration, make_app
from .web.routes import WEBHOOK_PATH

CONFIG_VARIABLE = "GCALDAV_CONFIG"


def create_application(config_path: str):
    configuration = load_configuration(config_path)
    app = make_app(configuration)
    bridge = registry.lookup(configuration)
    bridge.start_background(**background_from(configuration.copy(PLUGIN_SCHEMA), WEBHOOK_PATH))
    atexit.register(bridge.stop_background)
    return app


def _config_path() -> str:
    path = os.environ.get(CONFIG_VARIABLE)
    if not path:
        raise SystemExit(f"gcaldav.wsgi: set {CONFIG_VARIABLE} to the configuration file")
    return path


application = create_application(_config_path())
