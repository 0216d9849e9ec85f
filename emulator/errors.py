"""Google's JSON error envelope, and the catalogue of errors the emulator raises.

Bodies follow the Calendar backend shape (``{"error": {"errors": [...], "code", "message"}}``);
authentication failures use the API front-end shape, which adds ``status``.
"""

from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client in Google's envelope."""

    def __init__(self, code: int, reason: str, message: str, *, domain: str = "global",
                 location: str | None = None, location_type: str | None = None,
                 status: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(f"{code} {reason}: {message}")
        self.code = code
        self.reason = reason
        self.message = message
        self.domain = domain
        self.location = location
        self.location_type = location_type
        self.status = status
        self.headers = dict(headers or {})

    def body(self) -> dict:
        detail = {"domain": self.domain, "reason": self.reason, "message": self.message}
        if self.location:
            detail["locationType"] = self.location_type or "parameter"
            detail["location"] = self.location
        error = {"errors": [detail], "code": self.code, "message": self.message}
        if self.status:
            error["status"] = self.status
        return {"error": error}


# --- the catalogue (texts as Google sends them) ---------------------

def bad_request(message: str = "Bad Request", *, location: str | None = None) -> ApiError:
    return ApiError(400, "badRequest", message, location=location)


def invalid(message: str, *, location: str | None = None) -> ApiError:
    return ApiError(400, "invalid", message, location=location)


def required(message: str, *, location: str | None = None) -> ApiError:
    return ApiError(400, "required", message, location=location)


def invalid_parameter(name: str, value: str, detail: str = "") -> ApiError:
    text = f"Invalid value '{value}'." + (f" {detail}" if detail else "")
    return ApiError(400, "invalidParameter", text, location=name)


def time_range_empty(location: str = "timeMax") -> ApiError:
    return ApiError(400, "timeRangeEmpty", "The specified time range is empty.",
                    domain="calendar", location=location)


def parse_error() -> ApiError:
    return ApiError(400, "parseError", "Parse Error")


def login_required() -> ApiError:
    return ApiError(
        401, "required",
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. "
        "See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        location="Authorization", location_type="header", status="UNAUTHENTICATED",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'})


def invalid_credentials() -> ApiError:
    return ApiError(
        401, "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. "
        "See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        location="Authorization", location_type="header", status="UNAUTHENTICATED",
        headers={"WWW-Authenticate":
                 'Bearer realm="https://accounts.google.com/", error=invalid_token'})


def insufficient_scopes(scopes: list[str]) -> ApiError:
    return ApiError(
        403, "insufficientPermissions", "Request had insufficient authentication scopes.",
        status="PERMISSION_DENIED",
        headers={"WWW-Authenticate":
                 'Bearer realm="https://accounts.google.com/", error=insufficient_scope, '
                 f'scope="{" ".join(scopes)}"'})


def required_access_level(level: str = "writer") -> ApiError:
    return ApiError(403, "requiredAccessLevel",
                    f"You need to have {level} access to this calendar.", domain="calendar")


def forbidden(message: str = "Forbidden") -> ApiError:
    return ApiError(403, "forbidden", message)


def not_found() -> ApiError:
    return ApiError(404, "notFound", "Not Found")


def method_not_allowed() -> ApiError:
    return ApiError(405, "httpMethodNotAllowed", "HTTP method not allowed.")


def duplicate() -> ApiError:
    return ApiError(409, "duplicate", "The requested identifier already exists.")


def full_sync_required() -> ApiError:
    return ApiError(410, "fullSyncRequired",
                    "Sync token is no longer valid, a full sync is required.",
                    domain="calendar", location="syncToken")


def updated_min_too_long_ago() -> ApiError:
    return ApiError(410, "updatedMinTooLongAgo",
                    "The requested minimum modification time lies too far in the past.",
                    domain="calendar", location="updatedMin")


def deleted() -> ApiError:
    return ApiError(410, "deleted", "Resource has been deleted")


def condition_not_met() -> ApiError:
    return ApiError(412, "conditionNotMet", "Precondition Failed",
                    location="If-Match", location_type="header")


# Errors a test can ask the fault injector for, by reason: (status, domain, message).
INJECTABLE = {
    "rateLimitExceeded": (403, "usageLimits", "Rate Limit Exceeded"),
    "userRateLimitExceeded": (403, "usageLimits", "User Rate Limit Exceeded"),
    "quotaExceeded": (403, "usageLimits", "Calendar usage limits exceeded."),
    "backendError": (503, "global", "Backend Error"),
    "internalError": (500, "global", "Internal Error"),
}


def injected(status: int, reason: str | None, retry_after: int | None) -> ApiError:
    """The error a fault rule answers with; reason defaults to what Google uses for that status."""
    if reason is None:
        reason = {403: "rateLimitExceeded", 429: "rateLimitExceeded", 500: "backendError",
                  502: "backendError", 503: "backendError"}.get(status, "backendError")
    _, domain, message = INJECTABLE.get(reason, (status, "global", reason))
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return ApiError(status, reason, message, domain=domain, headers=headers)


def json_object(body: object) -> dict:
    """A control request's JSON body, which must be an object (none: empty)."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body
