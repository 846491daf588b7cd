"""What the alert record routes answer (`endpoint(returns=...)`)."""
from __future__ import annotations

from datetime import datetime

from pydantic import Field

from chalicelib.http.contract import OutModel, page_of


class DeliveryAttempt(OutModel):
    at: datetime | None
    status_code: int | None = Field(description="The receiver's HTTP status (SMTP code for email)")
    error: str | None
    ok: bool


class AlertRecord(OutModel):
    """One delivery of one event to one channel, with every attempt."""
    id: str
    event_id: str | None
    event: str | None = Field(description="The event delivered (monitor.down, incident.created ...)")
    type: str | None = Field(description="The spec's alert type (Down, Recovered, P95 ...)")
    status: str = Field(description="Pending, Retrying, Delivered or Failed")
    attempts: int
    test: bool
    channel_id: str | None
    channel_type: str | None
    monitor_id: str | None
    incident_id: str | None
    last_error: str | None
    response_code: int | None
    permanent_failure: bool
    escalation_level: int | None
    created_at: datetime | None
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    history: list[DeliveryAttempt]


AlertRecordList = page_of(AlertRecord, "AlertRecordList")
