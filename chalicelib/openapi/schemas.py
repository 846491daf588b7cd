"""Shapes the OpenAPI document describes that no request model already gives: the error envelope,
the response bodies the handlers build as dicts, and the alert channel body (which
`channels.parse_channel` validates in two parts: `AlertChannelHead` and the type's config).

Response models allow extra fields: they promise what a client may rely on, and a field added
to a handler later does not break the document.
"""
from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.alias_generators import to_camel

from chalicelib.channels import family as alerting
from chalicelib.channels.models import AlertChannelHead


class OutModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


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


# The representations of the other objects a client can create and replace: each names what
# the handler's `*_json` shows beyond the request body (ids, times, derived state), so that a
# client sending back what it read is understood (`catalog.REPRESENTATIONS`).

class Stamped(OutModel):
    id: str
    created_at: datetime | None
    updated_at: datetime | None


class ChannelFailure(OutModel):
    at: datetime
    error: str
    status_code: int | None = Field(description="The provider's HTTP status, if it answered")
    alert_id: str = Field(description="The alert record of the delivery that failed")


class AlertChannel(Stamped):
    """The channel's config fields sit next to these (secrets masked or left out)."""
    name: str
    type: str
    enabled: bool
    has_secret: bool | None = Field(None, description="Webhook: whether a signing secret is set")
    last_failure: ChannelFailure | None = Field(
        None, description="The last permanent failure (a revoked token, an unknown chat, a "
                          "401/403/404 from the provider) while the channel stays broken: null "
                          "again once a delivery succeeds or the channel is replaced. The first "
                          "one of a spell is told to the account's other channels")


class AlertRule(Stamped):
    name: str
    enabled: bool


class EscalationLevel(OutModel):
    level: int = Field(description="1 for the first level")
    delay_minutes: int
    channel_ids: list[str]
    team_ids: list[str]


class EscalationPolicy(Stamped):
    name: str
    levels: list[EscalationLevel]
    repeat: int


class Occurrence(OutModel):
    starts_at: datetime | None
    ends_at: datetime | None


class MaintenanceWindow(Stamped):
    name: str
    type: str = Field(description="The schedule's kind, from the fields sent")
    active: bool
    next_occurrence: Occurrence | None


class StatusPage(Stamped):
    name: str
    slug: str
    public_url: str


class TeamMember(OutModel):
    id: str
    email: str
    role: str
    added_at: datetime | None


class Team(Stamped):
    name: str
    members: list[TeamMember]
    member_count: int


class CheckQueued(OutModel):
    monitor_id: str
    status: Literal["Queued"]
    regions: list[str]


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


class ApiKey(OutModel):
    id: str
    name: str
    masked_key: str
    scopes: list[str]
    created_at: datetime | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The full key: shown here once, never again")


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


class AlertRecord(OutModel):
    id: str
    status: str
    attempts: int
    test: bool
    channel_id: str | None
    monitor_id: str | None
    created_at: datetime | None


class Resource(OutModel):
    """An object of the API, identified by its prefixed id."""
    id: str


class Message(OutModel):
    message: str | None = None
    status: str | None = None


class WebhookMonitor(OutModel):
    id: str
    name: str
    url: str | None
    type: str


class WebhookAlert(OutModel):
    type: str
    message: str
    timestamp: datetime
    response_time_ms: int | None = None


class WebhookIncident(OutModel):
    id: str
    title: str | None
    status: str
    severity: str | None
    cause: str | None
    monitor_id: str | None
    monitor_name: str | None
    started_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    duration_seconds: int


WebhookEvent = Literal["monitor.down", "monitor.up", "monitor.degraded", "monitor.ssl_expiring",
                       "incident.created", "incident.resolved", "monitor.not_checked", "test"]


class WebhookPayload(OutModel):
    """What a Webhook channel POSTs (User-Agent `Enori-Webhook/1.0`)."""
    event: WebhookEvent = Field(description="The spec's event types, plus `test`: a test alert "
                                            "sent with POST /api/alert-channels/{id}/test")
    monitor: WebhookMonitor | None = Field(
        None, description="Always on monitor.* and test; on incident.* when the incident is "
                          "about a monitor (with its url and type, as on monitor.*)")
    alert: WebhookAlert
    incident: WebhookIncident | None = Field(None, description="incident.* events only")
    test: bool | None = Field(None, description="true on a test alert (event `test`)")


def shows(model: Any, loc: tuple[Any, ...]) -> bool:
    """Whether the representation `model` shows a field at `loc`, a camelCase path with list
    indexes (`("members", 0, "addedAt")`)."""
    kind = model
    for part in loc:
        kind = _unwrapped(kind)
        if isinstance(part, int):
            args = typing.get_args(kind)
            if typing.get_origin(kind) is not list or not args:
                return False
            kind = args[0]
            continue
        if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
            return False
        by_alias = {field.alias or name: field for name, field in kind.model_fields.items()}
        if part not in by_alias:
            return False
        kind = by_alias[part].annotation
    return True


def _unwrapped(kind: Any) -> Any:
    """`X` for `X | None` (the one non-None member), else `kind` itself."""
    if typing.get_origin(kind) in (Union, types.UnionType):
        members = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return members[0] if len(members) == 1 else kind
    return kind


def page_of(model: type[BaseModel], name: str) -> type[BaseModel]:
    """`{items: [model], totalCount}`, the list envelope."""
    return create_model(name, __base__=OutModel, items=(list[model], ...),
                        total_count=(int, ...))


MonitorList = page_of(MonitorSummary, "MonitorList")
ApiKeyList = page_of(ApiKey, "ApiKeyList")
IncidentList = page_of(Incident, "IncidentList")
AlertRecordList = page_of(AlertRecord, "AlertRecordList")
CheckResultList = page_of(CheckResult, "CheckResultList")
ResourceList = page_of(Resource, "ResourceList")
ObjectList = page_of(dict[str, Any], "ObjectList")


def channel_body_models() -> list[type[BaseModel]]:
    """One body model per channel type: the shared head with `type` fixed, plus that type's
    config model, flat as the API takes them (`{"name", "type", "webhookUrl", ...}`)."""
    models = []
    for channel_type, config in alerting.VALIDATORS.items():
        models.append(create_model(f"{channel_type}ChannelIn", __base__=(config,),
                                   name=(AlertChannelHead.model_fields["name"].annotation, ...),
                                   type=(Literal[channel_type], ...),  # type: ignore[valid-type]
                                   enabled=(bool, True)))
    return models


def channel_body() -> Any:
    """The alert channel body: one of the per-type models, chosen by `type`."""
    models = channel_body_models()
    return Annotated[Union[tuple(models)], Field(discriminator="type")]  # type: ignore[misc]
