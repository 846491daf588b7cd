"""What the alert channel routes take and answer (`endpoint(body=..., returns=...)`), and what a
Webhook channel POSTs (the document's `webhooks`), with the spec's examples."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, Field, create_model

from chalicelib.channels import family
from chalicelib.channels.models import AlertChannelHead
from chalicelib.http.contract import OutModel, Stamped, page_of, wire_names

CHANNEL_CREATE = {"name": "My Webhook", "type": "Webhook",
                  "webhookUrl": "https://your-server.com/webhook"}


class ChannelFailure(OutModel):
    at: datetime
    error: str
    status_code: int | None = Field(description="The provider's HTTP status, if it answered")
    alert_id: str = Field(description="The alert record of the delivery that failed")


class AlertChannel(Stamped):
    """The channel's config fields sit next to these (secrets masked or left out)."""
    config_fields: ClassVar[frozenset[str]] = wire_names(*family.VALIDATORS.values())
    name: str
    type: str
    enabled: bool
    has_secret: bool | None = Field(None, description="Webhook: whether a signing secret is set")
    last_failure: ChannelFailure | None = Field(
        None, description="The last permanent failure (a revoked token, an unknown chat, a "
                          "401/403/404 from the provider) while the channel stays broken: null "
                          "again once a delivery succeeds or the channel is replaced. The first "
                          "one of a spell is told to the account's other channels")


AlertChannelList = page_of(AlertChannel, "AlertChannelList")


def channel_body_models() -> list[type[BaseModel]]:
    """One body model per channel type: the shared head with `type` fixed, plus that type's
    config model, flat as the API takes them (`{"name", "type", "webhookUrl", ...}`)."""
    models = []
    for channel_type, config in family.VALIDATORS.items():
        models.append(create_model(f"{channel_type}ChannelIn", __base__=(config,),
                                   name=(AlertChannelHead.model_fields["name"].annotation, ...),
                                   type=(Literal[channel_type], ...),  # type: ignore[valid-type]
                                   enabled=(bool, True)))
    return models


def channel_body() -> Any:
    """The alert channel body: one of the per-type models, chosen by `type`."""
    models = channel_body_models()
    return Annotated[Union[tuple(models)], Field(discriminator="type")]  # type: ignore[misc]


# --- what a Webhook channel POSTs ------------------------------------------------------------

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


WEBHOOK_PAYLOAD = {
    "event": "monitor.down",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "Down", "message": "HTTP 503 Service Unavailable",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": 5230},
}

WEBHOOK_INCIDENT_PAYLOAD = {
    "event": "incident.created",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "IncidentCreated",
              "message": "Production API is down: HTTP 503 Service Unavailable",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": None},
    "incident": {"id": "inc_abc123",
                 "title": "Production API is down: HTTP 503 Service Unavailable",
                 "status": "Open", "severity": None, "cause": "HTTP 503 Service Unavailable",
                 "monitorId": "mon_abc123", "monitorName": "Production API",
                 "startedAt": "2026-03-24T14:30:00Z", "acknowledgedAt": None,
                 "resolvedAt": None, "durationSeconds": 0},
}

# A test alert (POST /api/alert-channels/{id}/test): its own event name.
WEBHOOK_TEST_PAYLOAD = {
    "event": "test",
    "monitor": {"id": "mon_test", "name": "Enori test monitor", "url": "https://example.com",
                "type": "Website"},
    "alert": {"type": "Test", "message": "[TEST] This is a test alert from Enori",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": None},
    "test": True,
}
