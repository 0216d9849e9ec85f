"""A client's own text, served instead of the rendering while Google holds the same meaning.

RFC 4791 §5.3.4 lets a server answer a PUT with an ETag only when it stores the bytes as sent;
clients that get one skip a read-back (and vdirsyncer needs it to notice local deletions).
So the bytes a client PUT are kept with the resource's shadow (under ``KEY``) and, whenever
the resource is rendered from Google's events, compared by meaning with the rendering: equal
Google fields for the master and for every override (what the write path would send) → the
client's text is served; any difference (Google changed something, or never took a value as
sent) → the rendering is. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace

from ...model import Rendered
from .exclusions import fold, live_stamps
from .from_ical import Component, ICalError, Parsed, parse

KEY = "@sent"           # never a component key ("" or an instance stamp)
# What an instance's identity derives, not what it holds (the write path never sends it).
_DERIVED = ("originalStartTime", "recurrence")
# Decisions by (rendering, sent text, context): a re-list or re-render of unchanged resources
# then costs no parsing (two parses per resource would triple the time of a full sync).
_DECIDED: OrderedDict[tuple, bool] = OrderedDict()
_DECIDED_MAX = 50_000
_lock = threading.Lock()


def served(rendered: Rendered, sent: str | None, calendar_zone: str,
           default_reminders: tuple = ()) -> Rendered:
    """``rendered``, or the client's ``sent`` text in its place when both mean the same."""
    if not sent:
        return rendered
    etag = '"%s"' % hashlib.sha256(sent.encode("utf-8")).hexdigest()
    key = (rendered.etag, etag, calendar_zone, repr(default_reminders))
    with _lock:
        same = _DECIDED.get(key)
    if same is None:
        same = _decide(rendered.text, sent, calendar_zone, default_reminders)
        with _lock:
            _DECIDED[key] = same
            while len(_DECIDED) > _DECIDED_MAX:
                _DECIDED.popitem(last=False)
    return replace(rendered, text=sent, etag=etag) if same else rendered


def _decide(rendered: str, sent: str, calendar_zone: str, default_reminders: tuple) -> bool:
    try:
        return same_meaning(*(parse(text, calendar_zone, default_reminders)
                              for text in (rendered, sent)))
    except (ICalError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return False            # (the write path refused such text; a changed context may not)


def same_meaning(held: Parsed, sent: Parsed) -> bool:
    """Whether ``sent`` asks Google for nothing that ``held`` (Google's rendering) lacks."""
    held, sent = fold(held, live_stamps(sent)), fold(sent, live_stamps(held))
    if held.uid != sent.uid or set(held.overrides) != set(sent.overrides):
        return False
    if held.master is not None and held.master.synthetic:
        pass            # an invitation's stand-in master has no Google event: no meaning
    elif held.master is None or sent.master is None or sent.master.synthetic:
        if held.master is not sent.master:
            return False
    elif not _equal(held.master.fields, sent.master.fields) \
            or held.master.event_type != sent.master.event_type:
        return False
    return all(_same_instance(held.overrides[k], sent.overrides[k]) for k in held.overrides)


def _same_instance(held: Component, sent: Component) -> bool:
    if held.event_type != sent.event_type:      # (what the write path may change hangs on it)
        return False
    if held.fields.get("status") == "cancelled" or sent.fields.get("status") == "cancelled":
        return held.fields.get("status") == sent.fields.get("status")
    return _equal(*({k: v for k, v in c.fields.items() if k not in _DERIVED}
                    for c in (held, sent)))


def _equal(a: dict, b: dict) -> bool:
    return all(a.get(k) == b.get(k) for k in set(a) | set(b))
