"""Collection properties between WebDAV and the engine: which DAV property is which engine
property (``Bridge.set_properties``), what changed in a PROPPATCH (Radicale hands over the
whole merged set) and what a MKCALENDAR asks for."""

from __future__ import annotations

# DAV property tag → the engine's name for the properties Google holds; any other tag is
# passed as it is and kept locally.
TO_ENGINE = {"D:displayname": "name", "ICAL:calendar-color": "color",
             "C:calendar-description": "description", "C:calendar-timezone": "time_zone"}
KEPT_TAGS = {"description": "C:calendar-description", "time_zone": "C:calendar-timezone"}
COMPONENTS = "C:supported-calendar-component-set"
COMPUTED = {"tag", COMPONENTS}          # derived from the collection, never stored


def with_kept(meta: dict, kept: dict) -> dict:
    """A collection's properties with those kept locally (``Bridge.kept_properties``)."""
    out = dict(meta)
    out.update(kept.get("other", {}))
    for name, tag in KEPT_TAGS.items():
        if name in kept:
            out[tag] = kept[name]
    return out


def changes(current: dict, wanted: dict) -> dict[str, str | None]:
    """Engine property → new value (None: removed), for what a PROPPATCH changed."""
    out = {}
    for tag in (set(current) | set(wanted)) - COMPUTED:
        if current.get(tag) != wanted.get(tag):
            out[TO_ENGINE.get(tag, tag)] = wanted.get(tag) or None
    return out


def requested(props: dict) -> tuple[dict[str, str | None], str | None]:
    """(engine properties, component) a MKCALENDAR asks for. The component is VEVENT if the
    collection is to hold events at all, else the one it names (VTODO: a task list)."""
    wanted = [c.strip().upper() for c in (props.get(COMPONENTS) or "").split(",") if c.strip()]
    component = None if not wanted else "VEVENT" if "VEVENT" in wanted else wanted[0]
    properties = {TO_ENGINE.get(tag, tag): value or None for tag, value in props.items()
                  if tag not in COMPUTED}
    return properties, component
