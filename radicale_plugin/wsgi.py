"""Radicale with the plugin's WSGI layers around it, innermost first: the engine's errors as
HTTP answers (``outcome``), WebDAV's need-privileges for read-only calendars
(``privileges``), and the calendar home as Apple's clients look at it (``home``)."""

from __future__ import annotations

import radicale

from . import registry
from .home import HomeMiddleware
from .login import SharedLogin
from .outcome import OutcomeMiddleware
from .privileges import PrivilegesMiddleware


def caldav_app(configuration, login: SharedLogin | None = None):
    """The CalDAV application for a configuration whose storage is this plugin; with
    ``login``, Radicale takes a login checked at the door from there (radicale_plugin.login)."""
    radicale_app = radicale.Application(configuration)
    if login is not None:
        login.install(radicale_app)
    app = OutcomeMiddleware(radicale_app)
    bridge = registry.lookup(configuration)
    return HomeMiddleware(PrivilegesMiddleware(app, bridge), bridge)
