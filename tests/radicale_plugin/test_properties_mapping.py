"""DAV properties ⇄ the engine's: what a PROPPATCH changed, what a MKCALENDAR asks for."""

from __future__ import annotations

from radicale_plugin.properties import changes, requested, with_kept

CURRENT = {"tag": "VCALENDAR", "D:displayname": "Work", "ICAL:calendar-color": "#112233",
           "C:supported-calendar-component-set": "VEVENT", "C:calendar-timezone": "tz"}


def test_only_changed_properties_with_engine_names():
    wanted = dict(CURRENT, **{"D:displayname": "Job", "ICAL:calendar-order": "2"})
    del wanted["ICAL:calendar-color"]
    assert changes(CURRENT, wanted) == {"name": "Job", "ICAL:calendar-order": "2",
                                        "color": None}
    assert changes(CURRENT, dict(CURRENT)) == {}


def test_computed_properties_are_never_changes():
    assert changes(CURRENT, dict(CURRENT, **{"C:supported-calendar-component-set": "VTODO",
                                             "tag": "VCALENDAR"})) == {}


def test_mkcalendar_component_and_properties():
    props = {"tag": "VCALENDAR", "D:displayname": "P",
             "C:supported-calendar-component-set": "VTODO"}
    assert requested(props) == ({"name": "P"}, "VTODO")
    assert requested(dict(props, **{"C:supported-calendar-component-set": "VTODO,VEVENT"}))[
        1] == "VEVENT"
    assert requested({"tag": "VCALENDAR"}) == ({}, None)


def test_kept_properties_are_served():
    kept = {"description": "d", "other": {"ICAL:calendar-order": "4"}}
    meta = with_kept(CURRENT, kept)
    assert meta["C:calendar-description"] == "d" and meta["ICAL:calendar-order"] == "4"

