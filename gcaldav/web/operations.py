"""``/metrics`` (Prometheus) and ``/healthz`` (JSON): 200 while the bridge works, 503 if its
store or background work failed. Neither names a user, an account or a calendar."""

from __future__ import annotations

import json

from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Request, Response


def metrics(request: Request, app) -> Response:
    _require_login(request, app)
    body, content_type = app.bridge.metrics_page()
    return Response(body, content_type=content_type)


def health(request: Request, app) -> Response:
    _require_login(request, app)
    healthy, report = app.bridge.health()
    return Response(json.dumps(report), status=200 if healthy else 503,
                    content_type="application/json")


def _require_login(request: Request, app) -> None:
    if app.login is None:
        return
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username \
            or not app.login(auth.username, auth.password or ""):
        raise Unauthorized(www_authenticate=WWWAuthenticate("basic", {"realm": "gcaldav"}))
