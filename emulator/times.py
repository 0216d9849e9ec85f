"""Time values on the wire: RFC 3339 timestamps and the EventDateTime object."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import errors

UTC = dt.timezone.utc


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def format_timestamp(value: dt.datetime) -> str:
    """``created``/``updated`` style: UTC with milliseconds, e.g. 2026-11-20T10:05:12.345Z."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_datetime(value: dt.datetime) -> str:
    """Event ``dateTime`` style: whole seconds with the zone's offset (Z for UTC)."""
    text = value.replace(microsecond=0).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def parse_datetime(text: str, *, field: str) -> dt.datetime:
    """RFC 3339 date-time with a mandatory offset (Google rejects a bare local time)."""
    try:
        value = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except (TypeError, ValueError):
        raise errors.bad_request(f"Invalid value for: {field}", location=field) from None
    if value.tzinfo is None:
        raise errors.bad_request(f"Invalid value for: {field}", location=field)
    return value


def parse_date(text: str, *, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise errors.invalid(f"Invalid value for: {field}", location=field) from None


def zone(name: str, *, field: str = "timeZone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise errors.invalid(f"Invalid time zone definition for {field}.") from None


def is_all_day(edt: dict) -> bool:
    return "date" in edt and "dateTime" not in edt


def event_start_value(edt: dict, calendar_zone: str) -> dt.datetime | dt.date:
    """The series start as recurrence expansion wants it: a date, or an aware datetime in the
    event's own zone (falling back to the calendar's)."""
    if is_all_day(edt):
        return dt.date.fromisoformat(edt["date"])
    value = dt.datetime.fromisoformat(edt["dateTime"])
    return value.astimezone(ZoneInfo(edt.get("timeZone") or calendar_zone))


def instant(edt: dict, calendar_zone: str) -> dt.datetime:
    """The UTC instant of an EventDateTime; all-day dates start at midnight in the calendar zone."""
    if is_all_day(edt):
        day = dt.date.fromisoformat(edt["date"])
        return dt.datetime.combine(day, dt.time(), ZoneInfo(calendar_zone)).astimezone(UTC)
    return dt.datetime.fromisoformat(edt["dateTime"]).astimezone(UTC)


def to_event_datetime(value: dt.datetime | dt.date, time_zone: str | None) -> dict:
    """Inverse of ``event_start_value``: build the wire object for an occurrence start."""
    if isinstance(value, dt.datetime):
        out = {"dateTime": format_datetime(value)}
        if time_zone:
            out["timeZone"] = time_zone
        return out
    return {"date": value.isoformat()}
