"""The plugin's options in Radicale's ``[storage]`` section, declared as a plugin schema so a
misspelt option fails at start with a clear message."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bridge.service import Intervals
from bridge.settings import Settings, default_data_dir


def boolean(value) -> bool:
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, not {value!r}")


def count(value) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"expected a positive whole number, not {value!r}")
    return number


def seconds(value) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"expected a positive number of seconds, not {value!r}")
    return number


PLUGIN_SCHEMA = {"storage": {
    "data_dir": {"value": default_data_dir(), "type": str,
                 "help": "where gcaldav keeps its database and credential files"},
    "database": {"value": "", "type": str,
                 "help": "SQLAlchemy URL of the store (default: SQLite in data_dir)"},
    "google_api_endpoint": {"value": "", "type": str,
                            "help": "Calendar API base URL (default: Google's)"},
    "google_token_uri": {"value": "", "type": str,
                         "help": "OAuth token endpoint (default: from the credentials)"},
    "freshness": {"value": "30", "type": float,
                  "help": "seconds a calendar counts as fresh before a request re-syncs it"},
    "google_timeout": {"value": "30", "type": float,
                       "help": "seconds to wait for one Google API answer"},
    "send_updates": {"value": "none", "type": str,
                     "help": "Google's sendUpdates for client writes: none, externalOnly, all"},
    "allow_calendar_delete": {"value": "false", "type": boolean,
                              "help": "let a DELETE of a calendar collection delete the "
                                      "calendar on Google (owned) or unsubscribe (shared); "
                                      "never the primary calendar"},
    "google_calls_per_minute": {"value": "600", "type": float,
                                "help": "each account's budget of Google API calls a minute "
                                        "in each serving process (bursts up to a minute's "
                                        "worth; over it calls wait, then the account "
                                        "pauses); 0: no budget"},
    # --- background work, push, operations (gcaldav serve) ---
    "sync_workers": {"value": "4", "type": count,
                     "help": "background syncs run at once"},
    "sync_workers_per_account": {"value": "2", "type": count,
                                 "help": "background syncs of one account run at once (so "
                                         "one account's burst leaves workers to the others)"},
    "push_url": {"value": "", "type": str,
                 "help": "the bridge's public base URL as Google reaches it (https; plain "
                         "http on loopback only); set it to get push notifications"},
    "sync_interval": {"value": "300", "type": seconds,
                      "help": "seconds between background syncs of a calendar without push"},
    "active_sync_interval": {"value": "20", "type": seconds,
                             "help": "seconds between background syncs of a calendar clients "
                                     "polled in the last 10 minutes"},
    "push_sync_interval": {"value": "3600", "type": seconds,
                           "help": "seconds between background syncs of a calendar a healthy "
                                   "push channel watches"},
    "calendar_list_interval": {"value": "900", "type": seconds,
                               "help": "seconds between calendar-list syncs without push"},
    "channel_ttl": {"value": "604800", "type": seconds,
                    "help": "lifetime asked for push channels; renewed at three quarters"},
    "retention": {"value": "2592000", "type": seconds,
                  "help": "seconds deleted resources stay reportable to sync-collection "
                          "(older client tokens then resync in full)"},
    "header_timeout": {"value": "10", "type": seconds,
                       "help": "seconds a client has to send its request line and headers, "
                               "however it paces them, and then its body on top of 10 kB/s "
                               "(slower senders are answered 408)"},
    "access_log": {"value": "false", "type": boolean,
                   "help": "log one line per request (no query string, no credentials)"},
    "metrics_auth": {"value": "false", "type": boolean,
                     "help": "require a login for /metrics and /healthz"},
    # --- sign-in and the web pages (/.gcaldav/) ---
    "oauth_client_secrets": {"value": "", "type": str,
                             "help": "the OAuth client JSON downloaded from the Google Cloud "
                                     "console, for signing in with Google"},
    "public_url": {"value": "", "type": str,
                   "help": "the bridge's base URL as people reach it, for the pages' sign-in "
                           "redirect and client setup (default: push_url, else the request's)"},
    "admins": {"value": "", "type": str,
               "help": "comma-separated CalDAV users who may see the admin page"},
}}


def settings_from(configuration) -> Settings:
    """Bridge settings from a configuration that already carries the plugin schema."""
    def get(name):
        return configuration.get("storage", name)
    return Settings(data_dir=get("data_dir"), database=get("database"),
                    google_api_endpoint=get("google_api_endpoint") or None,
                    google_token_uri=get("google_token_uri") or None,
                    freshness=get("freshness"), google_timeout=get("google_timeout"),
                    send_updates=get("send_updates"),
                    allow_calendar_delete=get("allow_calendar_delete"),
                    google_calls_per_minute=get("google_calls_per_minute"))


def background_from(configuration, webhook_path: str) -> dict:
    """``Bridge.start_background`` arguments; a bad ``push_url`` fails here, before serving."""
    def get(name):
        return configuration.get("storage", name)
    intervals = Intervals(sync=get("sync_interval"), active=get("active_sync_interval"),
                          push=get("push_sync_interval"),
                          calendar_list=get("calendar_list_interval"),
                          retention=get("retention"))
    return dict(intervals=intervals, channel_ttl=get("channel_ttl"),
                workers=get("sync_workers"), per_account=get("sync_workers_per_account"),
                push_address=_push_address(get("push_url"), webhook_path))


def _push_address(url: str, webhook_path: str) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment:
        raise RuntimeError(f"push_url {url!r}: expected the bridge's public base URL, such as "
                           "https://calendar.example.org")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise RuntimeError(f"push_url {url!r}: Google delivers notifications over https only "
                           "(plain http works on loopback, for tests)")
    return url.rstrip("/") + webhook_path


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
