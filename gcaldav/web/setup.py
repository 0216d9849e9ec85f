"""Set up a client: the exact URL and steps per client, a QR code of the URL for phones
(segno), and a warning where a client needs https and the server has none."""

from __future__ import annotations

from urllib.parse import quote

import segno
from markupsafe import Markup

from .pages import page, render


@page()
def setup(request, app, session):
    base = app.pages.base_url(request)
    url = f"{base}/{quote(session.user)}/"
    # segno writes a self-contained <svg> (no scripts, no style attributes): safe to inline.
    qr = Markup(segno.make(url, error="m").svg_inline(scale=4, title="CalDAV URL"))
    return render("setup.html", session, base=base, url=url, qr=qr,
                  plain_http=base.startswith("http:"))
