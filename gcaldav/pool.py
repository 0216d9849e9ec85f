"""A bounded pool of request workers shared by every listening socket.

A thread per connection lets idle or slow clients pin threads without bound. Here a fixed
number of workers take accepted connections from a bounded queue; when the queue is full the
accepting thread answers 503 with Retry-After itself and closes, so the server's memory and
threads stay bounded whatever clients do. Each connection gets the socket timeout, so a
client that stalls frees its worker after that many seconds.
"""

from __future__ import annotations

import logging
import queue
import socket
import ssl
import threading

logger = logging.getLogger("gcaldav.pool")
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\n"
        b"Content-Type: text/plain\r\nContent-Length: 24\r\n\r\nserver busy; retry soon\n")


class WorkerPool:
    def __init__(self, workers: int, backlog: int, timeout: float):
        self.timeout = timeout
        self._queue: queue.Queue = queue.Queue(maxsize=backlog)
        self._threads = [threading.Thread(target=self._work, name=f"gcaldav-worker-{n}",
                                          daemon=True) for n in range(workers)]
        self.refused = 0
        for thread in self._threads:
            thread.start()

    def submit(self, server, request, client_address) -> None:
        request.settimeout(self.timeout)
        try:
            self._queue.put_nowait((server, request, client_address))
        except queue.Full:
            self.refused += 1
            _refuse(server, request)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            server, request, client_address = job
            try:
                if isinstance(request, ssl.SSLSocket):
                    request.do_handshake()
                server.finish_request(request, client_address)
            except (TimeoutError, ssl.SSLError, ConnectionError):
                pass            # the client stalled or went away: nothing to answer
            except Exception:   # a bug in a handler must not kill the worker
                logger.exception("request from %s failed", client_address[0])
            finally:
                server.shutdown_request(request)


def _refuse(server, request) -> None:
    try:
        if not isinstance(request, ssl.SSLSocket):    # TLS would need a handshake first
            request.settimeout(1)
            request.sendall(BUSY)
    except OSError:
        pass
    finally:
        server.shutdown_request(request)


def dual_stack_off(sock: socket.socket) -> None:
    """Let an IPv6 socket and an IPv4 one share a port (``hosts = 0.0.0.0:5232, [::]:5232``)."""
    if sock.family == socket.AF_INET6 and hasattr(socket, "IPV6_V6ONLY"):
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
