"""What clients see of one resource: Google's events rendered, what the client wrote that
Google cannot hold merged back, and when it happens (bounds and the occurrence index).

Pure CPU work on data read beforehand; the sync runs it outside the write transaction, so a
large first sync does not hold the store's writer for its rendering time.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Calendar, Occurrences, Rendered
from ..translate import CalendarContext, render, shadow
from ..translate.events import occurrences, sent
from .poison import contained


@dataclass(frozen=True)
class View:
    rendered: Rendered
    index: Occurrences | None               # recurring resources: spans within the horizon
    bounds: tuple[int, int] | None          # single events: exact (start, end)

    @property
    def etag(self) -> str:
        return self.rendered.etag


def context(calendar: Calendar) -> CalendarContext:
    return CalendarContext(time_zone=calendar.time_zone, default_reminders=calendar.reminders)


@contained
def materialise(events: list[dict], ctx: CalendarContext, kept: dict | None) -> View | None:
    """The resource's view, or None when nothing of it is left to show: the client's own
    text when it still means what Google holds (see translate/events/sent.py), else the
    rendering with the shadow merged in."""
    rendered = render(events, ctx)
    if rendered is None:
        return None
    kept = dict(kept or {})
    text = kept.pop(sent.KEY, None)
    rendered = sent.served(shadow.apply(rendered, kept, ctx.time_zone), text, ctx.time_zone,
                           ctx.default_reminders)
    return View(rendered, occurrences.index(events, ctx), occurrences.single_bounds(events, ctx))
