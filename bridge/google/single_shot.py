"""An httplib2 connection that sends each request exactly once.

httplib2 sends a request a second time, whatever its method, when the connection closes
without an answer. For calls whose repetition has effects (a task insert has no id to
collide on: a second copy is a second task), one attempt on a fresh connection, and a lost
answer surfaces as an error the caller resolves.
"""

from __future__ import annotations

import httplib2


class SingleShotHttp(httplib2.Http):
    def _conn_request(self, conn, request_uri, method, body, headers):
        try:
            conn.close()        # never a pooled connection the server may have dropped
            conn.connect()
            conn.request(method, request_uri, body, headers)
            raw = conn.getresponse()
            content = raw.read() if method != "HEAD" else b""
        except Exception:
            conn.close()
            raise
        response = httplib2.Response(raw)
        if method != "HEAD":
            content = httplib2._decompressContent(response, content, self.limit_kwargs)
        return response, content
