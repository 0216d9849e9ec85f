"""Google data ⇄ iCalendar, one subpackage per kind (``events`` now, tasks next); time zones
and colours are shared. Pure: no I/O, imports only the model."""

from .colors import color_id_for_css_name, css_name_for_color_id
from .events import shadow
from .events.from_ical import ICalError, Parsed, UnsupportedComponent, parse
from .events.to_ical import PRODID, CalendarContext, render

__all__ = [
    "PRODID", "CalendarContext", "render", "shadow",
    "ICalError", "UnsupportedComponent", "Parsed", "parse",
    "color_id_for_css_name", "css_name_for_color_id",
]
