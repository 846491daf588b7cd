"""What the alert record routes answer (`endpoint(returns=...)`)."""
from __future__ import annotations

from datetime import datetime

from chalicelib.http.contract import OutModel, page_of


class AlertRecord(OutModel):
    id: str
    status: str
    attempts: int
    test: bool
    channel_id: str | None
    monitor_id: str | None
    created_at: datetime | None


AlertRecordList = page_of(AlertRecord, "AlertRecordList")
