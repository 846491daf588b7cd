"""Domain errors, one module. Each knows its HTTP status and wire code; `api/http.py` maps them
to the error envelope `{error, message, code}` in exactly one place."""
from __future__ import annotations

import re

from typing import Any, Self


class EnoriError(Exception):
    status = 500
    code = "INTERNAL_ERROR"
    title = "Internal server error"

    def __init__(self, message: str | None = None, *, title: str | None = None,
                 details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.title)
        self.message = message or self.title
        self.title_override = title
        self.details = details
        self.headers = headers or {}

    @classmethod
    def for_field(cls, field: str, message: str) -> Self:
        """The error about one field of the request, named in the message and in `details`."""
        return cls(f"{field}: {message}", details=[{"field": field, "message": message}])

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "error": self.title_override or self.title,
            "message": self.message,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


class ValidationError(EnoriError):
    status = 400
    code = "VALIDATION_ERROR"
    title = "Invalid request"


class InvalidReferenceError(EnoriError):
    status = 400
    code = "INVALID_REFERENCE"
    title = "Invalid reference"


class SsrfBlockedError(EnoriError):
    status = 400
    code = "SSRF_BLOCKED"
    title = "Target address not allowed"


class UnauthorizedError(EnoriError):
    status = 401
    code = "UNAUTHORIZED"
    title = "Unauthorized"


class InsufficientScopeError(EnoriError):
    status = 403
    code = "INSUFFICIENT_SCOPE"
    title = "Insufficient scope"


class PlanLimitError(EnoriError):
    status = 403
    code = "PLAN_LIMIT_EXCEEDED"
    title = "Plan limit exceeded"


class NotFoundError(EnoriError):
    status = 404
    code = "NOT_FOUND"
    title = "Not found"


class MethodNotAllowedError(EnoriError):
    status = 405
    code = "METHOD_NOT_ALLOWED"
    title = "Method not allowed"


class PayloadTooLargeError(EnoriError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"
    title = "Payload too large"


class RequestTimeoutError(EnoriError):
    status = 408
    code = "REQUEST_TIMEOUT"
    title = "Request timeout"


class ProtocolError(EnoriError):
    """A request the HTTP server could not read (bad framing, a line too long...): the server
    decides the status; the client still gets the error envelope every other error uses."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message, title=reason)
        self.status = status
        # "URI Too Long" -> URI_TOO_LONG; a 500 keeps the code every other 500 has.
        self.code = "INTERNAL_ERROR" if status == 500 else re.sub(r"[^A-Z]+", "_", reason.upper()).strip("_")


class ConflictError(EnoriError):
    status = 409
    code = "CONFLICT"
    title = "Conflict"


class ServiceUnavailableError(EnoriError):
    """What was asked needs a part that cannot be reached now (a check region's queue); nothing
    was changed, and asking again later may work."""
    status = 503
    code = "SERVICE_UNAVAILABLE"
    title = "Service unavailable"


class RateLimitedError(EnoriError):
    status = 429
    code = "RATE_LIMITED"
    title = "Too many requests"
