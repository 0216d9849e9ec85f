"""The errors Google's Tasks front end answers, in the shared envelope (with ``status``)."""

from __future__ import annotations

from emulator.errors import ApiError

INVALID_ARGUMENT_TEXT = "Request contains an invalid argument."


def not_found() -> ApiError:
    return ApiError(404, "notFound", "Requested entity was not found.", status="NOT_FOUND")


def invalid_argument(location: str | None = None) -> ApiError:
    """A malformed value (a date-only ``due``, a bad timestamp parameter)."""
    return ApiError(400, "badRequest", INVALID_ARGUMENT_TEXT, location=location,
                    status="INVALID_ARGUMENT")


def invalid_value(location: str | None = None) -> ApiError:
    """The older backend's answer to values it refuses (bad ids, limits, the default list)."""
    return ApiError(400, "invalid", "Invalid Value", location=location,
                    status="INVALID_ARGUMENT")


def limit_reached(what: str) -> ApiError:
    return ApiError(403, "quotaExceeded", f"The maximum number of {what} has been reached.",
                    domain="usageLimits", status="PERMISSION_DENIED")


def condition_not_met() -> ApiError:
    return ApiError(412, "conditionNotMet", "Precondition Failed", location="If-Match",
                    location_type="header", status="FAILED_PRECONDITION")
