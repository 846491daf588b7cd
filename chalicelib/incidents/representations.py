"""What the incident routes answer (`endpoint(returns=...)`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from chalicelib.http.contract import OutModel, page_of


class TimelineEntry(OutModel):
    id: str
    kind: str
    message: str | None
    status: str | None
    author: str | None
    at: datetime | None
    public: bool = Field(description="Whether the message reaches the status page and its "
                                     "subscribers")


class AffectedMonitor(OutModel):
    id: str
    name: str | None
    status: str | None


class Incident(OutModel):
    id: str
    monitor_id: str | None
    monitor_name: str | None
    title: str | None
    cause: str | None
    status: str = Field(description="The lifecycle: Open, Acknowledged, Resolved")
    public_status: str = Field(
        description="What the status page shows: Investigating, Identified or Monitoring (the "
                    "last status an update gave), Resolved once resolved")
    automatic: bool
    severity: str | None
    started_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    duration_seconds: int
    also_affected: list[AffectedMonitor] = Field(
        default_factory=list,
        description="Monitors depending on this one (`dependsOn`) whose Down joined this "
                    "incident instead of opening their own")
    timeline: list[TimelineEntry] | None = Field(None, description="One incident only")


IncidentList = page_of(Incident, "IncidentList")


class IncidentsByMonitor(OutModel):
    """The list envelope of per-monitor incident figures, with the range they cover."""
    items: list[dict[str, Any]]
    total_count: int
    from_: datetime = Field(alias="from")
    to: datetime
