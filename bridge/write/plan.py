"""What Google calls a client's PUT needs: the difference between the resource as we last
rendered it and as the client sent it (pure; no I/O).

Only changed fields are sent, so fields the client never saw (conference data, attachments,
other people's edits to fields it did not touch) survive. A RECURRENCE-ID override becomes an
instance update, a removed override restores the instance, STATUS:CANCELLED on an override
cancels that instance; EXDATE/RRULE changes are master changes. Each patch carries the values
to restore if a later call of the same write fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..translate.events.exclusions import fold, live_stamps
from ..translate.events.from_ical import Component, Parsed
from ..errors import Invalid, ReadOnly

# Reminders are per user and never mailed to anyone; a change of nothing else stays quiet.
QUIET_FIELDS = {"reminders"}
# Google's special event types: shown, alarms adjustable, otherwise changed in Google Calendar
# (their own properties - auto-decline, working location - have no iCalendar form).
READ_ONLY_TYPES = {"outOfOffice", "focusTime", "workingLocation", "birthday", "fromGmail"}


@dataclass
class Op:
    kind: str                      # insert | patch | cancel | delete
    stamp: str | None = None       # instance stamp; None = the master
    body: dict = field(default_factory=dict)
    undo: dict | None = None       # patch body restoring the previous state
    quiet: bool = False            # send no notifications whatever the configuration


class PlanError(Invalid):
    """The PUT cannot be expressed as Google calls (a 400 for the client)."""


def plan_put(old: Parsed | None, new: Parsed) -> list[Op]:
    if old is None:
        return _plan_create(fold(new))
    # An invitation stays one whether or not the client kept the stand-in's marker.
    invitation = bool(old.master and old.master.synthetic)
    before, after = _real(old, invitation), _real(new, invitation)
    # Cancelled occurrences compared in one form (an instance modified on one side stays
    # an instance: cancelling it deletes that instance event).
    ops = _plan_update(fold(before, live_stamps(after)), fold(after, live_stamps(before)))
    kinds = {c.event_type for c in (old.master, *old.overrides.values()) if c} & READ_ONLY_TYPES
    if kinds and not all(op.quiet for op in ops):
        raise ReadOnly(f"Google {kinds.pop()} events are read-only here (only alarms "
                              "can be changed); edit them in Google Calendar.")
    return ops


def _real(parsed: Parsed, invitation: bool) -> Parsed:
    """``parsed`` without a stand-in master (to_ical's invitations to single instances): it
    has no Google event, and as every occurrence of it is overridden, a change to it changes
    no occurrence (RFC 5545) - so none is sent."""
    if parsed.master is None or not (invitation or parsed.master.synthetic):
        return parsed
    return Parsed(parsed.uid, None, parsed.overrides)


def _plan_update(old: Parsed, new: Parsed) -> list[Op]:
    ops = []
    if new.master and old.master:
        changed = diff(old.master.fields, new.master.fields)
        if changed:
            ops.append(Op("patch", None, changed, undo=_restore(old.master.fields, changed),
                          quiet=set(changed) <= QUIET_FIELDS))
    elif new.master and not old.master:
        raise PlanError("This event is an invitation to single occurrences; a whole series "
                        "cannot be added to it.")
    elif old.master and not new.master:
        raise PlanError("The resource lost its main VEVENT (the one without RECURRENCE-ID); "
                        "delete the resource to delete the series.")
    master_fields = (new.master or old.master).fields if (new.master or old.master) else None
    for stamp in sorted(set(old.overrides) | set(new.overrides)):
        before, after = old.overrides.get(stamp), new.overrides.get(stamp)
        if after is None:
            if master_fields is None:
                raise PlanError("Occurrences of an invitation cannot be removed one by one.")
            ops.append(Op("patch", stamp, restored_instance(master_fields, before),
                          undo=_instance_body(before.fields)))
        elif after.fields.get("status") == "cancelled":
            if not before or before.fields.get("status") != "cancelled":
                ops.append(Op("cancel", stamp, undo={"status": "confirmed"}))
        elif before is None:
            if master_fields is None:
                raise PlanError("This event is an invitation to single occurrences; an "
                                "occurrence cannot be added to it (RECURRENCE-ID).")
            base = {**master_fields, "status": "confirmed"}
            changed = diff(_instance_body(base), _instance_body(after.fields))
            changed.update(start=after.fields["start"], end=after.fields["end"])
            ops.append(Op("patch", stamp, changed,
                          undo=restored_instance(master_fields, after) if master_fields else None))
        else:
            changed = diff(_instance_body(before.fields), _instance_body(after.fields))
            if changed:
                ops.append(Op("patch", stamp, changed, undo=_restore(before.fields, changed),
                              quiet=set(changed) <= QUIET_FIELDS))
    return ops


def _plan_create(new: Parsed) -> list[Op]:
    if new.master is None or new.master.synthetic:
        raise PlanError("A new resource needs a VEVENT without RECURRENCE-ID; occurrences "
                        "alone cannot be created on Google.")
    body = {k: v for k, v in new.master.fields.items() if v is not None}
    body["iCalUID"] = new.uid
    if not body.get("recurrence"):
        body.pop("recurrence", None)
    ops = [Op("insert", None, body)]
    for stamp, override in sorted(new.overrides.items()):
        if override.fields.get("status") == "cancelled":
            ops.append(Op("cancel", stamp))
        else:
            changed = diff(_instance_body({**new.master.fields, "status": "confirmed"}),
                           _instance_body(override.fields))
            changed.update(start=override.fields["start"], end=override.fields["end"])
            ops.append(Op("patch", stamp, changed))
    return ops


def diff(old: dict, new: dict) -> dict:
    """Fields whose value changed, with their new value (None clears a field)."""
    return {k: new.get(k) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


def _restore(old: dict, changed: dict) -> dict:
    return {k: old.get(k) for k in changed}


def _instance_body(fields: dict) -> dict:
    return {k: v for k, v in fields.items() if k not in ("recurrence", "originalStartTime")}


def restored_instance(master: dict, override: Component) -> dict:
    """The patch that turns a modified instance back into a plain occurrence of the series."""
    original = override.fields["originalStartTime"]
    body = _instance_body(master)
    body.update(status="confirmed", start=original, end=shifted_end(master, original))
    return body


def shifted_end(master: dict, start: dict) -> dict:
    """The end of an occurrence starting at ``start``, keeping the series' duration."""
    if "date" in master["start"]:
        days = (dt.date.fromisoformat(master["end"]["date"])
                - dt.date.fromisoformat(master["start"]["date"]))
        return {"date": (dt.date.fromisoformat(start["date"]) + days).isoformat()}
    length = (dt.datetime.fromisoformat(master["end"]["dateTime"])
              - dt.datetime.fromisoformat(master["start"]["dateTime"]))
    end = dt.datetime.fromisoformat(start["dateTime"]) + length
    return {"dateTime": end.isoformat(), "timeZone": master["end"].get("timeZone")
            or start.get("timeZone")}
