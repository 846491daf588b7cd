"""The one shape every route shares and none declares: the error envelope. Every other model
lives next to its route (each concept's `representations.py`, `endpoint(returns=...)`)."""
from __future__ import annotations

from pydantic import Field

from chalicelib.http.contract import OutModel


class ErrorDetail(OutModel):
    field: str
    message: str


class Error(OutModel):
    """The one error envelope of every JSON error response."""
    error: str = Field(description="Short title of the error")
    message: str = Field(description="What went wrong and what to do")
    code: str = Field(description="Machine-readable code, e.g. VALIDATION_ERROR, UNAUTHORIZED, "
                                  "INSUFFICIENT_SCOPE, PLAN_LIMIT_EXCEEDED, NOT_FOUND, CONFLICT, "
                                  "PAYLOAD_TOO_LARGE, RATE_LIMITED, SSRF_BLOCKED, "
                                  "INTERNAL_ERROR")
    details: list[ErrorDetail] | None = Field(None, description="Per-field problems (400 only)")
