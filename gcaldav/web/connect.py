"""Connect a Google account: the page with the sign-in button, Google's answer at the
callback, and the first sync's progress page (refreshing itself until it is done)."""

from __future__ import annotations

from werkzeug.exceptions import BadRequest
from werkzeug.utils import redirect

from .oauth import CALLBACK
from .pages import page, render


@page()
def connect_page(request, app, session):
    return render("connect.html", session, problem=app.pages.connects.problem,
                  redirect_uri=app.pages.base_url(request) + CALLBACK)


@page()
def start(request, app, session):
    flows = app.pages.connects
    if flows.problem:
        raise BadRequest(flows.problem)
    url = flows.start((session.user, session.csrf), app.pages.base_url(request) + CALLBACK,
                      app.bridge.sign_in_scopes())
    return redirect(url, code=303)


@page()
def callback(request, app, session):
    flows, args = app.pages.connects, request.args
    if args.get("error"):        # the flow's state stays unused and expires
        raise BadRequest("Nothing was linked: the Google sign-in was cancelled or refused "
                         f"({args['error']}). Connect again and press Allow.")
    info = flows.finish((session.user, session.csrf), args.get("state", ""),
                        args.get("code", ""), app.pages.base_url(request) + CALLBACK,
                        app.bridge.sign_in_scopes())
    user = session.user
    job_id = flows.run(user, lambda progress: app.bridge.link_signed_in(
        user, info, progress=progress))
    return redirect(f"{session.home}/connect/{job_id}", code=303)


@page()
def progress(request, app, session, job_id: str):
    return render("progress.html", session, job=app.pages.connects.job(job_id, session.user))
