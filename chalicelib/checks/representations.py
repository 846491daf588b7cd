"""What the check result routes answer (`endpoint(returns=...)`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.http.contract import OutModel, page_of


class CheckResult(OutModel):
    checked_at: datetime | None
    region: str | None
    ok: bool
    response_time_ms: int | None
    status_code: int | None
    error: str | None
    error_code: str | None
    ssl_days_left: int | None
    details: dict[str, Any]


CheckResultList = page_of(CheckResult, "CheckResultList")
