"""The pure parts of calendar writes: a client's colour as Google's RGB pair, the IANA zone of
a calendar-timezone value."""

from __future__ import annotations

import pytest

from bridge import errors
from bridge.write.calendars import google_colors, zone_of

VTIMEZONE = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n"
             "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\n"
             "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n")


@pytest.mark.parametrize("sent, background, foreground", [
    ("#FF2968FF", "#ff2968", "#ffffff"),     # Apple: alpha dropped
    ("#fbe983", "#fbe983", "#000000"),       # light: dark text
    (" #000000 ", "#000000", "#ffffff"),
])
def test_client_colours_become_google_rgb(sent, background, foreground):
    assert google_colors(sent) == {"backgroundColor": background,
                                   "foregroundColor": foreground}


@pytest.mark.parametrize("sent", ["blue", "#12345", "#1234567", "rgb(1,2,3)", ""])
def test_other_colour_forms_are_refused_naming_the_property(sent):
    with pytest.raises(errors.Invalid, match="calendar-color"):
        google_colors(sent)


def test_zone_of_a_calendar_timezone():
    assert zone_of(VTIMEZONE.format(tzid="Europe/Berlin")) == "Europe/Berlin"
    assert zone_of(VTIMEZONE.format(tzid="W. Europe Standard Time")) is not None
    assert zone_of(VTIMEZONE.format(tzid="Customized Time Zone")) is None
    assert zone_of("not a calendar") is None
