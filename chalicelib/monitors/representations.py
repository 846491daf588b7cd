"""What the monitor routes answer and take (`endpoint(returns=..., body=...)`), with the spec's
examples (spec/enori-api-docs.txt)."""
from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal, get_args

from pydantic import Field

from chalicelib.http.contract import JSON, MERGE_PATCH, Body, OutModel, page_of, wire_names
from chalicelib.monitors.models import MonitorInType

MONITOR_CREATE = {
    "name": "Production API",
    "type": "Website",
    "url": "https://api.example.com",
    "intervalSeconds": 60,
    "timeoutSeconds": 30,
    "httpMethod": "GET",
    "expectedStatusCode": 200,
    "failureThreshold": 2,
    "alertOnDown": True,
    "alertOnRecovered": True,
    "alertChannelIds": ["ch_abc123"],
    "regions": ["UsEast", "EuWest"],
    "tags": ["production", "api"],
}

MONITOR_LIST = {
    "items": [{
        "id": "mon_abc123",
        "name": "Production API",
        "type": "Website",
        "url": "https://api.example.com",
        "status": "Up",
        "uptimePercentage": 99.95,
        "lastCheckedAt": "2026-03-24T10:30:00Z",
        "intervalSeconds": 60,
        "tags": [],
        "groupName": None,
        "regions": ["UsEast"],
    }],
    "totalCount": 1,
}

# JSON merge patch (RFC 7396): only the fields sent change; null resets one to its default.
PATCH_BODY = Body({"type": "object", "description": "The fields to change (JSON merge patch, "
                   "RFC 7396): the monitor's other fields keep their values; `null` resets a "
                   "field to its default. The result is validated as a full monitor (PUT)."},
                  media=(MERGE_PATCH, JSON), example={"intervalSeconds": 300})


class MonitorSummary(OutModel):
    id: str
    name: str
    type: str
    url: str | None
    status: str
    uptime_percentage: float
    last_checked_at: datetime | None
    interval_seconds: int | None
    tags: list[str]
    group_name: str | None
    regions: list[str]


class MonitorDetail(MonitorSummary):
    """The summary, the full configuration (camelCase, as sent) and the current state."""
    config_fields: ClassVar[frozenset[str]] = wire_names(*get_args(MonitorInType))
    paused: bool
    region_status: dict[str, str]
    not_checked_intervals: int = Field(
        0, description="Intervals in a row the monitor was not checked by as many regions as its "
                       "quorum (a region dark: the verdict rests on those that reported, and a "
                       "monitor.not_checked event is sent), or not checked at all; 0 when checked")
    created_at: datetime | None
    updated_at: datetime | None
    ping_token: str | None = Field(None, description="Job monitors: the token to ping")
    ping_url: str | None = Field(None, description="Job monitors: the URL to ping")
    last_ping_at: datetime | None = Field(None, description="Job monitors")
    last_start_at: datetime | None = Field(None, description="Job monitors")
    deadline: datetime | None = Field(None, description="Job monitors: the next ping is due by")


MonitorList = page_of(MonitorSummary, "MonitorList")


class CheckQueued(OutModel):
    monitor_id: str
    status: Literal["Queued"]
    regions: list[str]
