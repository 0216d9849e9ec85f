"""Google Calendar API v3 events ⇄ iCalendar (the read direction lives in ``to_ical``)."""

from .colors import color_id_for_css_name, css_name_for_color_id
from .to_ical import END_OF_TIME, PRODID, CalendarContext, Rendered, render

__all__ = [
    "END_OF_TIME", "PRODID", "CalendarContext", "Rendered", "render",
    "color_id_for_css_name", "css_name_for_color_id",
]
