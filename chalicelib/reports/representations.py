"""What the report routes answer (`endpoint(returns=...)`): a report is its month's figures,
per monitor and in total (`reports.service.build_report`)."""
from __future__ import annotations

from datetime import datetime

from pydantic import Field

from chalicelib.http.contract import OutModel, page_of


class Figures(OutModel):
    uptime_percentage: float | None
    downtime_seconds: int
    incidents: int
    mtta_seconds: float | None
    mttr_seconds: float | None
    p95_response_time_ms: float | None
    checks: int
    failed_checks: int
    maintenance_seconds: int


class MonitorFigures(Figures):
    monitor_id: str
    name: str


class Totals(Figures):
    monitors: int


class EmailStatus(OutModel):
    requested: bool
    sent: bool
    recipients: list[str]
    note: str | None


class ReportSummary(OutModel):
    """A list entry: the report without its per-monitor rows."""
    id: str
    month: str = Field(description="YYYY-MM")
    trigger: str
    generated_at: datetime | None
    from_: datetime = Field(alias="from")
    to: datetime
    totals: Totals
    email: EmailStatus


class Report(ReportSummary):
    monitors: list[MonitorFigures]


ReportList = page_of(ReportSummary, "ReportList")
