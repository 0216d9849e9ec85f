"""Google's push notifications: checked against the channels we created, answered at once;
the sync they ask for runs on the scheduler's threads."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response


def notification(request: Request, app) -> Response:
    headers = {name.lower(): value for name, value in request.headers.items()
               if name.lower().startswith("x-goog-")}
    status = app.bridge.handle_push(headers, request.remote_addr or "")
    return Response(status=status, content_type="text/plain; charset=utf-8")
