"""Google Calendar API v3 events ⇄ iCalendar: ``to_ical`` renders what clients read,
``from_ical`` reads what clients write, ``shadow`` merges back what Google cannot hold."""

from . import shadow
from .colors import color_id_for_css_name, css_name_for_color_id
from .from_ical import ICalError, Parsed, UnsupportedComponent, parse
from .to_ical import END_OF_TIME, PRODID, CalendarContext, Rendered, render

__all__ = [
    "END_OF_TIME", "PRODID", "CalendarContext", "Rendered", "render", "shadow",
    "ICalError", "UnsupportedComponent", "Parsed", "parse",
    "color_id_for_css_name", "css_name_for_color_id",
]
