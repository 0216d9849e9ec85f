"""Signing in with the CalDAV user name and password (Radicale's configured [auth] backend,
whatever it is), rate-limited per user name and per client address; signing out."""

from __future__ import annotations

import logging
import math
import secrets

from werkzeug.utils import redirect

from .pages import page, render

log = logging.getLogger(__name__)


@page(signed_in=False)
def form(request, app, session):
    if session.user:
        return redirect(f"{session.home}/", code=303)
    return render("signin.html", session)


@page(signed_in=False)
def submit(request, app, session):
    pages = app.pages
    user = request.form.get("user", "").strip()
    keys = (f"user:{user.lower()}", f"addr:{request.remote_addr}")
    wait = pages.throttle.wait(*keys)
    if wait:
        return render("signin.html", session, status=429, user=user,
                      error=f"Too many failed sign-ins: try again in {math.ceil(wait / 60)} "
                            "minutes.")
    name = pages.login(user, request.form.get("password", "")) if user else ""
    if not name:
        pages.throttle.failed(*keys)
        log.info("failed web sign-in from %s", request.remote_addr)
        return render("signin.html", session, status=401, user=user,
                      error="Wrong user name or password.")
    session.user, session.csrf = name, secrets.token_urlsafe(24)   # a new token per sign-in
    return redirect(f"{session.home}/", code=303)


@page()
def signout(request, app, session):
    session.user = None
    return redirect(f"{session.home}/signin", code=303)
