"""Google Tasks ⇄ iCalendar VTODOs: ``to_ical`` renders a task for clients, ``from_ical``
reads what a client wrote, ``keep`` decides what of it is kept locally because Google cannot
hold it (merged back by ``to_ical``)."""

from .from_ical import ParsedTask, parse
from .keep import keep
from .to_ical import render

__all__ = ["ParsedTask", "parse", "keep", "render"]
