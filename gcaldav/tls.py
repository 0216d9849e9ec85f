"""TLS for ``gcaldav serve``: ``[server] ssl``, ``certificate``, ``key`` and
``certificate_authority`` (client certificates), refused at start with a clear message
when a file is missing or unusable rather than serving plain HTTP."""

from __future__ import annotations

import os
import ssl


def server_context(configuration) -> ssl.SSLContext | None:
    if not configuration.get("server", "ssl"):
        return None
    certificate = os.path.expanduser(configuration.get("server", "certificate"))
    key = os.path.expanduser(configuration.get("server", "key"))
    authority = os.path.expanduser(configuration.get("server", "certificate_authority") or "")
    for option, path in (("certificate", certificate), ("key", key),
                         ("certificate_authority", authority)):
        if path and not os.access(path, os.R_OK):
            raise SystemExit(f"[server] {option} = {path}: no readable file there "
                             "(ssl = True needs a certificate and its key)")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certificate, key)
        if authority:
            context.load_verify_locations(cafile=authority)
            context.verify_mode = ssl.CERT_REQUIRED
    except (ssl.SSLError, ValueError) as exc:
        raise SystemExit(f"[server] certificate/key: not a usable certificate and key "
                         f"({exc.__class__.__name__})") from None
    return context
