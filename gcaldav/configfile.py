"""A Radicale configuration for the bridge, as text (the demo, tests and benchmarks write one;
config/gcaldav.conf is the commented example for people)."""

from __future__ import annotations


def bridge_config(*, htpasswd: str, data_dir: str, api: str | None = None,
                  token_uri: str | None = None, host: str = "127.0.0.1", port: int = 5232,
                  **storage: object) -> str:
    """htpasswd (plain) login, the gcaldav rights and storage plugins, and any further
    ``[storage]`` options (``push_url=...``, ``freshness=...``)."""
    options = {"data_dir": data_dir, "google_api_endpoint": api, "google_token_uri": token_uri,
               **storage}
    lines = "".join(f"{name} = {value}\n" for name, value in options.items()
                    if value is not None)
    return (f"[server]\nhosts = {host}:{port}\n\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {htpasswd}\n"
            "htpasswd_encryption = plain\ndelay = 0\n\n"
            "[rights]\ntype = radicale_plugin.rights\n\n"
            f"[storage]\ntype = radicale_plugin\n{lines}")
