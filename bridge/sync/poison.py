"""Containing a resource the renderer cannot handle, so it cannot poison its calendar.

Google accepts values at the edges of what Python's dates, the occurrence index or icalendar
can hold. Rendering one resource must never fail a whole sync (and so every later request on
the calendar): a resource whose view cannot be built is skipped — logged once with its
reason, never its text, and counted — and the rest of the calendar is served.
"""

from __future__ import annotations

import functools
import logging
import threading

logger = logging.getLogger("bridge.sync")
_lock = threading.Lock()
_skipped = 0


def skipped() -> int:
    """Resources skipped since the process started (for /metrics)."""
    return _skipped


def contained(build):
    """Wrap ``build(events, ...)``: a failure is logged and counted, and yields None."""
    @functools.wraps(build)
    def guarded(events, *args, **kwargs):
        global _skipped
        try:
            return build(events, *args, **kwargs)
        except Exception as exc:    # any value a library cannot take: skip only this resource
            with _lock:
                _skipped += 1
            ids = sorted({str(e.get("iCalUID") or e.get("id"))[:100] for e in events
                          if isinstance(e, dict)})[:3]
            # The exception's type only: its message may quote the event's values.
            logger.warning("skipped a resource the bridge cannot render (%s); events %s",
                           type(exc).__name__, ", ".join(ids))
            return None
    return guarded
