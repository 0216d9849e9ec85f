"""What an API handler receives (``Call``) and may return (``Reply``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import errors, times
from .state import ROLES, Account, Calendar, World


@dataclass
class Reply:
    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Call:
    world: World
    account: Account
    params: dict[str, list[str]]      # query (or override-form) parameters, repeated keys kept
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)   # lower-cased names

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else default

    def all(self, name: str) -> list[str]:
        return list(self.params.get(name, []))

    def has(self, name: str) -> bool:
        return name in self.params

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise errors.invalid_parameter(name, value, "Values must be true or false.")
        return value.lower() == "true"

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise errors.invalid_parameter(name, value) from None
        if number < low:
            raise errors.invalid_parameter(name, value, f"Values must be at least {low}.")
        return min(number, high)        # Google silently caps page sizes

    def timestamp(self, name: str) -> dt.datetime | None:
        value = self.get(name)
        return None if value is None else times.parse_datetime(value, field=name)

    def calendar(self, calendar_id: str, *, need: str = "freeBusyReader") -> tuple[Calendar, str]:
        """The calendar and this account's role on it; 404 without access, 403 below ``need``."""
        if calendar_id == "primary":
            calendar_id = self.account.email
        calendar = self.world.calendars.get(calendar_id)
        role = calendar.acl.get(self.account.email) if calendar else None
        if calendar is None or role is None:
            raise errors.not_found()
        if ROLES.index(role) < ROLES.index(need):
            raise errors.required_access_level("writer" if need == "writer" else need)
        return calendar, role
