"""What of a client's VTODO is kept locally: everything Google cannot hold, so the rendering
gives the client back what it sent.

* kept outright: unmapped properties (PRIORITY, CATEGORIES, DTSTART, RRULE,
  PERCENT-COMPLETE, X- ...), subcomponents (VALARM) and the VCALENDAR's other components
  (VTIMEZONE, recurrence overrides);
* kept while Google agrees: a mapped property whose line as sent differs from its rendering
  of Google's value (DUE with a time of day, STATUS:IN-PROCESS, a parameter, a property the
  client left out). Once Google holds another value, Google's rendering shows instead.
"""

from __future__ import annotations

from .from_ical import ParsedTask
from .lines import MAPPED, READ_ONLY, rendered


def keep(parsed: ParsedTask, task: dict, parent_uid: str | None) -> dict | None:
    """The shadow of ``parsed`` against Google's ``task`` as stored after the write (None
    when the rendering alone gives the client what it sent)."""
    replace = []
    for name in MAPPED:
        ours, theirs = rendered(name, task, parent_uid), parsed.sent[name]
        if theirs is None and name in READ_ONLY:
            continue        # Google's link and order show even if the client dropped them
        if ours != theirs:
            replace.append({"name": name, "if": ours, "line": theirs})
    shadow = {"props": parsed.props, "components": parsed.components,
              "calendar": parsed.calendar, "replace": replace}
    return shadow if any(shadow.values()) else None
