"""A bounded pool of request workers shared by every listening socket.

A thread per connection lets idle or slow clients pin threads without bound. Here a fixed
number of workers take accepted connections from a bounded queue; when the queue is full the
accepting thread answers 503 with Retry-After itself and closes, so the server's memory and
threads stay bounded whatever clients do. Each connection gets the socket timeout, so a
client that stalls frees its worker after that many seconds; and one that trickles its
request line and headers a byte at a time (slowloris: each byte inside the socket timeout)
is answered 408 and cut off once ``header_timeout`` seconds have passed since it was
accepted, whatever its pace. The application moves the deadline on as the request gets
further: ``headers_read()`` (``header_timeout`` more for its checks), ``reading_body(n)``
(that plus the time ``n`` bytes take at ``MIN_BODY_RATE``, so a body trickled byte by byte
is cut off too) and ``request_read()`` (no deadline any more).
"""

from __future__ import annotations

import heapq
import logging
import queue
import socket
import ssl
import threading
import time

logger = logging.getLogger("gcaldav.pool")
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\n"
        b"Content-Type: text/plain\r\nContent-Length: 24\r\n\r\nserver busy; retry soon\n")
SLOW = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 28\r\n\r\nthe request came too slowly\n")
MIN_BODY_RATE = 10_000      # bytes a second a client must keep up while sending a body
_current = threading.local()


def headers_read() -> None:
    """The request on this worker thread got past its headers."""
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.extend(0)


def reading_body(length: int) -> None:
    """The request's ``length`` bytes of body are about to be read."""
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.extend(length / MIN_BODY_RATE)


def request_read() -> None:
    """All of the request is in: no deadline any more."""
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.done()


class WorkerPool:
    def __init__(self, workers: int, backlog: int, timeout: float,
                 header_timeout: float | None = None):
        self.timeout = timeout
        self.deadlines = Deadlines(header_timeout) if header_timeout else None
        self._queue: queue.Queue = queue.Queue(maxsize=backlog)
        self._threads = [threading.Thread(target=self._work, name=f"gcaldav-worker-{n}",
                                          daemon=True) for n in range(workers)]
        self.refused = 0
        for thread in self._threads:
            thread.start()

    def submit(self, server, request, client_address) -> None:
        request.settimeout(self.timeout)
        # The deadline counts from the accept: idle connections waiting in the queue expire
        # together instead of one worker's turn after another.
        watch = self.deadlines.watch(request) if self.deadlines else None
        try:
            self._queue.put_nowait((server, request, client_address, watch))
        except queue.Full:
            self.refused += 1
            if watch is not None:
                watch.done()
            _refuse(server, request)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        if self.deadlines is not None:
            self.deadlines.stop()

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            server, request, client_address, watch = job
            _current.watch = watch
            try:
                if watch is not None and watch.cut:
                    continue        # answered 408 while it waited (finally closes it)
                if isinstance(request, ssl.SSLSocket):
                    request.do_handshake()
                server.finish_request(request, client_address)
            except (TimeoutError, ssl.SSLError, ConnectionError):
                pass            # the client stalled or went away: nothing to answer
            except Exception:   # a bug in a handler must not kill the worker
                if watch is None or not watch.cut:      # a cut socket fails in any way
                    logger.exception("request from %s failed", client_address[0])
            finally:
                _current.watch = None
                if watch is not None:
                    watch.done()
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


class Watch:
    """One connection's deadline; ``cut`` once it passed unmet."""

    def __init__(self, request, deadline: float, owner: "Deadlines"):
        self.request, self.deadline, self.cut, self._owner = request, deadline, False, owner
        self._lock, self._done = threading.Lock(), False

    def done(self) -> None:
        with self._lock:
            if self._done:
                return
            self._done = True
        self._owner.drop(self)

    def extend(self, seconds: float) -> None:
        """A new deadline: the grace (``header_timeout``) plus ``seconds`` from now."""
        with self._lock:
            if self._done:
                return
            self.deadline = time.monotonic() + self._owner.seconds + seconds
        self._owner.push(self)

    def expire(self, deadline: float) -> None:
        with self._lock:
            if self._done or self.deadline > deadline:      # done, or moved on meanwhile
                return
            self.cut = self._done = True
            try:
                # The worker is blocked reading, never writing, until the headers are in.
                if not isinstance(self.request, ssl.SSLSocket):
                    self.request.send(SLOW, socket.MSG_DONTWAIT)
            except OSError:
                pass
            try:
                self.request.shutdown(socket.SHUT_RDWR)     # wakes the worker's read
            except OSError:
                pass
        logger.info("cut off a client that sent its request too slowly")


class Deadlines:
    """One thread that expires the watches whose deadline passed. A watch leaves the heap
    once its request is read and when its deadline moves, so the thread wakes for the
    connections still being read only: left in, every request's entries woke it
    ``header_timeout`` later, a GIL hand-off in the middle of the requests of that time."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._heap: list[tuple[float, int, Watch]] = []
        self._wake = threading.Condition()
        self._stopped = False
        threading.Thread(target=self._run, name="gcaldav-header-deadlines",
                         daemon=True).start()

    def watch(self, request) -> Watch:
        watch = Watch(request, time.monotonic() + self.seconds, self)
        self.push(watch)
        return watch

    def push(self, watch: Watch) -> None:
        with self._wake:
            self._remove(watch)
            # The thread sleeps until the earliest deadline; only an earlier one needs it
            # awake (waking it for every request took the GIL from the requests).
            earliest = not self._heap or watch.deadline < self._heap[0][0]
            heapq.heappush(self._heap, (watch.deadline, id(watch), watch))
            if earliest:
                self._wake.notify()

    def drop(self, watch: Watch) -> None:
        with self._wake:
            self._remove(watch)

    def _remove(self, watch: Watch) -> None:
        """Its entry (at most one) out of the heap: a scan of the connections being read."""
        for n, entry in enumerate(self._heap):
            if entry[2] is watch:
                last = self._heap.pop()
                if n < len(self._heap):
                    self._heap[n] = last
                    heapq.heapify(self._heap)
                return

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopped and (not self._heap or
                                             self._heap[0][0] > time.monotonic()):
                    self._wake.wait(self._heap[0][0] - time.monotonic() if self._heap
                                    else None)
                if self._stopped:
                    return
                deadline, _, watch = heapq.heappop(self._heap)
            watch.expire(deadline)


def dual_stack_off(sock: socket.socket) -> None:
    """Let an IPv6 socket and an IPv4 one share a port (``hosts = 0.0.0.0:5232, [::]:5232``)."""
    if sock.family == socket.AF_INET6 and hasattr(socket, "IPV6_V6ONLY"):
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
