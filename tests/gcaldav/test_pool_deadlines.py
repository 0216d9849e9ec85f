"""The header-deadline watchdog looks only at connections still being read: a request read
in time (or whose deadline moved on) never reaches it again, while a connection that stalls
is still answered 408 and cut off."""

from __future__ import annotations

import socket

from gcaldav.pool import SLOW, Deadlines, Watch

from tests.support import wait_for


def test_only_connections_still_being_read_reach_the_watchdog(monkeypatch):
    expired: list[Watch] = []
    original = Watch.expire
    monkeypatch.setattr(Watch, "expire",
                        lambda self, deadline: (expired.append(self), original(self, deadline)))
    deadlines = Deadlines(0.2)
    pairs = [socket.socketpair() for _ in range(21)]
    try:
        finished = [deadlines.watch(server) for server, _ in pairs[:10]]
        for watch in finished:
            watch.done()
        moved = [deadlines.watch(server) for server, _ in pairs[10:20]]
        for watch in moved:
            watch.extend(0.1)           # its first deadline no longer counts
            watch.done()
        stalled = deadlines.watch(pairs[20][0])     # later than all the others
        wait_for(lambda: stalled.cut, what="the stalled connection cut off")
        client = pairs[20][1]
        client.settimeout(5)
        assert client.recv(len(SLOW)) == SLOW
        assert expired == [stalled]
        assert not any(w.cut for w in finished + moved)
    finally:
        deadlines.stop()
        for a, b in pairs:
            a.close()
            b.close()
