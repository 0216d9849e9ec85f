"""The pages for people under ``/.gcaldav/``: their URL rules, in one place."""

from __future__ import annotations

from werkzeug.routing import Rule

from . import admin, connect, overview, setup, signin
from .pages import Pages, static

__all__ = ["Pages", "RULES"]
GET, POST = ["GET", "HEAD"], ["POST"]

RULES = [
    Rule("/.gcaldav/", endpoint=overview.overview, methods=GET),
    Rule("/.gcaldav/signin", endpoint=signin.form, methods=GET),
    Rule("/.gcaldav/signin", endpoint=signin.submit, methods=POST),
    Rule("/.gcaldav/signout", endpoint=signin.signout, methods=POST),
    Rule("/.gcaldav/calendars/<int:calendar_id>", endpoint=overview.set_served, methods=POST),
    Rule("/.gcaldav/accounts/<int:account_id>/unlink", endpoint=overview.confirm_unlink,
         methods=GET),
    Rule("/.gcaldav/accounts/<int:account_id>/unlink", endpoint=overview.unlink, methods=POST),
    Rule("/.gcaldav/connect", endpoint=connect.connect_page, methods=GET),
    Rule("/.gcaldav/connect", endpoint=connect.start, methods=POST),
    Rule(connect.CALLBACK, endpoint=connect.callback, methods=GET),
    Rule("/.gcaldav/connect/<job_id>", endpoint=connect.progress, methods=GET),
    Rule("/.gcaldav/setup", endpoint=setup.setup, methods=GET),
    Rule("/.gcaldav/admin", endpoint=admin.admin, methods=GET),
    Rule("/.gcaldav/static/<name>", endpoint=static, methods=GET),
]
