"""Time handling for the Google → iCalendar translation.

Google's ``EventDateTime`` is ``{"date": "yyyy-mm-dd"}`` for all-day values or
``{"dateTime": RFC 3339, "timeZone": IANA name}`` for timed ones.  Timed values are
rendered as local time in a named zone (``DTSTART;TZID=...``), or as UTC (``...Z``)
when the zone is UTC.  VTIMEZONE components come from ``icalendar.Timezone.from_tzinfo``
over a year range that callers derive from the event data only (never from today).
"""

from __future__ import annotations

import copy
import functools
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.parser import isoparse
from icalendar import Timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

UTC = timezone.utc

#: IANA names that mean plain UTC; values in these zones are written as ``...Z``.
UTC_ALIASES = frozenset({
    "utc", "etc/utc", "uct", "etc/uct", "universal", "etc/universal", "zulu", "etc/zulu", "z",
})

#: Tie-breakers when a client's own VTIMEZONE matches several IANA zones (America/Havana and
#: America/New_York share 2026's rules): the widely used zone of each rule set first.
WELL_KNOWN = ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
              "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Halifax",
              "America/Sao_Paulo", "Europe/London", "Europe/Berlin", "Europe/Helsinki",
              "Europe/Moscow", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
              "Pacific/Auckland")

#: VTIMEZONE year range limits (zoneinfo/datetime overflow guards).
MIN_YEAR = 1
MAX_YEAR = 9998
#: Never emit more than this many years of transitions in one VTIMEZONE.
MAX_SPAN_YEARS = 200


def resolve_zone(name: object) -> tzinfo | None:
    """The tzinfo for an IANA name: ``timezone.utc`` for UTC aliases, a ZoneInfo, or None."""
    if not isinstance(name, str) or not name.strip():
        return None
    return _resolve_zone(name.strip())


@functools.lru_cache(maxsize=512)
def _resolve_zone(name: str) -> tzinfo | None:
    if name.lower() in UTC_ALIASES:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def is_utc(zone: tzinfo) -> bool:
    return zone is UTC


def effective_zone(*names: str | None) -> tzinfo:
    """The first resolvable zone among ``names``; UTC if none resolves."""
    for name in names:
        zone = resolve_zone(name)
        if zone is not None:
            return zone
    return UTC


def zone_key(zone: tzinfo) -> str:
    """A stable name for a zone (its TZID)."""
    return "UTC" if is_utc(zone) else getattr(zone, "key", str(zone))


def parse_rfc3339(value: str) -> datetime | None:
    """Parse an RFC 3339 timestamp (naive if it carries no offset); None if unparsable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        return isoparse(value)
    except (ValueError, OverflowError):
        return None


def parse_date(value: str) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def utc_timestamp(value: str | None) -> datetime | None:
    """Google's ``created``/``updated`` as an aware UTC datetime without microseconds."""
    parsed = parse_rfc3339(value) if value else None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).replace(microsecond=0)


def event_time(edt: dict | None, *fallback_zones: str | None) -> date | datetime | None:
    """An ``EventDateTime`` as a ``date`` (all-day) or an aware ``datetime``.

    The datetime is expressed in ``edt["timeZone"]`` if that resolves, else in the first
    resolvable fallback zone, else UTC.  A ``dateTime`` without an offset is local time in
    that zone.  Sub-second precision is dropped (iCalendar has none).
    """
    if not isinstance(edt, dict):
        return None
    if edt.get("dateTime"):
        parsed = parse_rfc3339(edt["dateTime"])
        if parsed is None:
            return None
        zone = effective_zone(edt.get("timeZone"), *fallback_zones)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.astimezone(zone).replace(microsecond=0)
    if edt.get("date"):
        return parse_date(edt["date"])
    return None


def is_all_day(value: date | datetime | None) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def to_zone(value: date | datetime, zone: tzinfo, template: datetime | None = None) -> datetime:
    """``value`` as an aware datetime in ``zone``.

    A date becomes ``template``'s local time of day on that date (midnight without a
    template); a naive datetime is taken as local time in ``zone``.
    """
    if is_all_day(value):
        clock = template.timetz().replace(tzinfo=None) if template is not None else time()
        return datetime.combine(value, clock, tzinfo=zone)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def to_date(value: date | datetime, zone: tzinfo) -> date:
    """``value`` as a calendar date in ``zone`` (naive datetimes are taken as local)."""
    if is_all_day(value):
        return value
    if value.tzinfo is None:
        return value.date()
    return value.astimezone(zone).date()


def instant(value: date | datetime, all_day_zone: tzinfo) -> int:
    """POSIX seconds of a value; dates (and naive datetimes) are local to ``all_day_zone``."""
    if is_all_day(value):
        value = datetime.combine(value, time(), tzinfo=all_day_zone)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=all_day_zone)
    return int(value.timestamp())


def iana_name(tzid: str | None, value: datetime, preferred: str | None,
              vtimezones: dict[str, bytes] | None = None) -> str | None:
    """The IANA zone a client's DATE-TIME means: its TZID if that is an IANA name or a
    Windows one ("W. Europe Standard Time"); the zone icalendar recognised it as (vendor
    prefixes such as "/freeassociation.sourceforge.net/Europe/Berlin"); else a zone whose
    offsets equal those of the client's own VTIMEZONE ("Customized Time Zone"), the calendar's
    zone first. "UTC" for UTC; None for floating values and zones nothing matches."""
    if tzid:
        zone = resolve_zone(WINDOWS_TO_OLSON.get(tzid, tzid))
        if zone is not None:
            return zone_key(zone)
    if value.tzinfo is None:
        return None
    key = getattr(value.tzinfo, "key", None)
    if key and resolve_zone(key) is not None:
        return zone_key(resolve_zone(key))
    if not tzid:
        return "UTC" if value.utcoffset() == timedelta(0) else None
    definition = (vtimezones or {}).get(tzid)
    return matching_zone(definition, value.year, preferred) if definition else None


@functools.lru_cache(maxsize=64)
def matching_zone(vtimezone_ical: bytes, year: int, preferred: str | None) -> str | None:
    """An IANA zone with the same UTC offset as a VTIMEZONE on every day of ``year``."""
    try:
        custom = Timezone.from_ical(vtimezone_ical).to_tz(lookup_tzid=False)
        year = min(max(year, MIN_YEAR + 1), MAX_YEAR - 1)
        days = [datetime(year, 1, 1, 12, tzinfo=UTC) + timedelta(days=n) for n in range(365)]
        offsets = [day.astimezone(custom).utcoffset() for day in days]
    except Exception:       # a client's malformed VTIMEZONE: keep the instant (callers)
        return None
    candidates = ([preferred] if preferred else []) + list(WELL_KNOWN)
    candidates += list(dict.fromkeys(WINDOWS_TO_OLSON.values())) + sorted(available_timezones())
    for name in candidates:
        zone = resolve_zone(name)
        if zone is not None and all(d.astimezone(zone).utcoffset() == o
                                    for d, o in zip(days, offsets)):
            return zone_key(zone)
    return None


@functools.lru_cache(maxsize=256)
def _vtimezone_cached(tzid: str, first_year: int, last_year: int) -> Timezone | None:
    zone = resolve_zone(tzid)
    if zone is None or is_utc(zone):
        return None
    try:
        return Timezone.from_tzinfo(zone, tzid=tzid, first_date=date(first_year, 1, 1),
                                    last_date=date(last_year, 1, 1))
    except (ValueError, OverflowError):
        return None


def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone | None:
    """A VTIMEZONE for ``tzid`` valid from 1 January ``first_year`` to 1 January ``last_year``.

    Years are clamped so the result is always non-empty and bounded in size.  Returns
    None for UTC or an unknown zone.  The result is a fresh copy (safe to attach).
    """
    first_year = min(max(first_year, MIN_YEAR), MAX_YEAR - 1)
    last_year = min(max(last_year, first_year + 1), first_year + MAX_SPAN_YEARS, MAX_YEAR)
    component = _vtimezone_cached(tzid, first_year, last_year)
    return copy.deepcopy(component) if component is not None else None


@functools.lru_cache(maxsize=64)
def calendar_with_timezone(tzid: str) -> str:
    """The CalDAV ``calendar-timezone`` property value: a VCALENDAR holding the VTIMEZONE of a
    calendar's zone (1970–2038: what clients use it for is defaulting new events)."""
    from icalendar import Calendar

    from .events.to_ical import PRODID
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    component = vtimezone(tzid, 1970, 2038)
    if component is not None:
        calendar.add_component(component)
    return calendar.to_ical().decode()
