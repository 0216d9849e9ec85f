"""The non-CalDAV surface, routed before Radicale: the Google push webhook, ``/metrics`` and
``/healthz`` (and, next, the pages for people). One module per endpoint group; ``routes``
dispatches. These paths never reach Radicale, so they need no Radicale login; ``/metrics``
and ``/healthz`` can require one (``metrics_auth``)."""

from .routes import WebApp

__all__ = ["WebApp"]
