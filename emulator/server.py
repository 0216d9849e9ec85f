"""Serving the emulator over real HTTP (threaded werkzeug server on loopback)."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server

from . import seed
from .app import Emulator


class EmulatorServer:
    """An emulator listening on HOST:PORT (port 0 picks a free one), in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed_name: str | None = None):
        self._server = make_server(host, port, app=None, threaded=True)
        self.host, self.port = host, self._server.server_port
        self.emulator = Emulator(f"http://{host}:{self.port}")
        self._server.app = self.emulator
        if seed_name == "demo":
            seed.demo(self.emulator.world)
        elif seed_name:
            raise ValueError(f"unknown seed {seed_name!r} (known: demo)")
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    def start(self) -> "EmulatorServer":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="emulator-http")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
