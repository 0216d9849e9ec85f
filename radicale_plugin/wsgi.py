"""Radicale with the plugin's WSGI layers around it, innermost first: the engine's errors as
HTTP answers (``outcome``), WebDAV's need-privileges for read-only calendars
(``privileges``), and the calendar home as Apple's clients look at it (``home``)."""

from __future__ import annotations

import radicale

from . import registry
from .home import HomeMiddleware
from .outcome import OutcomeMiddleware
from .privileges import PrivilegesMiddleware


def caldav_app(configuration):
    """The CalDAV application for a configuration whose storage is this plugin."""
    app = OutcomeMiddleware(radicale.Application(configuration))
    bridge = registry.lookup(configuration)
    return HomeMiddleware(PrivilegesMiddleware(app, bridge), bridge)
