"""The plugin's options in Radicale's ``[storage]`` section, declared as a plugin schema so a
misspelt option fails at start with a clear message."""

from __future__ import annotations

from bridge.settings import Settings, default_data_dir

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
}}


def settings_from(configuration) -> Settings:
    """Bridge settings from a configuration that already carries the plugin schema."""
    def get(name):
        return configuration.get("storage", name)
    return Settings(data_dir=get("data_dir"), database=get("database"),
                    google_api_endpoint=get("google_api_endpoint") or None,
                    google_token_uri=get("google_token_uri") or None,
                    freshness=get("freshness"), google_timeout=get("google_timeout"),
                    send_updates=get("send_updates"))
