"""Webhook channel: POST the spec's JSON payload to the user's URL, optionally signed.

Payload (spec "Webhooks → Payload Format"): `{"event", "monitor": {id, name, url, type},
"alert": {type, message, timestamp, responseTimeMs}}`; `incident.*` events add `"incident"` and
carry `"monitor"` only when the incident has one. Incident events have no alert of their own, so
`alert` is derived from the incident (type `IncidentCreated`/`IncidentResolved`, the title as
message): every payload has the same envelope. A test adds `"test": true`.

Signing follows Standard Webhooks (standardwebhooks.com): `webhook-id` (stable across retries,
so receivers can drop duplicates), `webhook-timestamp` (epoch seconds of this attempt) and, when
the channel has a secret, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.

A channel may carry a `bodyTemplate` (a JSON object with `{{field}}` placeholders,
webhook_template.py): the body is then that template filled from this payload, signed and sent
the same way. Without one the body is the spec's payload, unchanged.

Failures (spec "Retry Policy": non-2xx or timeout is retried): every non-2xx answer is transient
(a 400 too: the receiver may be mid-deploy), except 410 Gone, the receiver's explicit "stop".
An invalid or blocked URL is permanent.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import Any, Mapping, Optional

from pydantic import Field, field_validator

from chalicelib.channels.kinds import webhook_template
from chalicelib.channels.kinds.base import (
    ChannelUrl,
    DeliveryOutcome,
    SendContext,
    is_test,
    json_headers,
    post_json,
    to_json_bytes,
)
from chalicelib.channels.messages import summarize
from chalicelib.kernel.models import ApiModel

USER_AGENT = "Enori-Webhook/1.0"
PERMANENT_STATUSES = frozenset({410})
# Extra headers may not replace these: ours, the signature's, and the request's framing.
RESERVED_HEADERS = frozenset({
    "content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature",
    "host", "content-length", "transfer-encoding", "connection", "accept-encoding",
    # The other hop-by-hop headers (RFC 9110 section 7.6.1): a proxy's business, not a body's.
    "keep-alive", "te", "trailer", "upgrade", "proxy-connection", "proxy-authorization",
    "proxy-authenticate",
})
SECRET_PREFIX = "whsec_"
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_HEADERS = 20
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")
_MONITOR_KEYS = ("id", "name", "url", "type")
_ALERT_KEYS = ("type", "message", "timestamp", "responseTimeMs")
_INCIDENT_KEYS = ("id", "title", "status", "severity", "cause", "monitorId", "monitorName",
                  "startedAt", "acknowledgedAt", "resolvedAt", "durationSeconds")


class WebhookChannelConfig(ApiModel):
    webhook_url: ChannelUrl
    secret: Optional[str] = Field(default=None, min_length=8, max_length=256)
    headers: Optional[dict[str, str]] = Field(default=None, description=(
        "Extra request headers (at most 20); not Host, Content-Length or other hop-by-hop ones, "
        "nor those Enori sets; values are masked when read back"))
    body_template: Optional[dict[str, Any]] = Field(default=None, description=(
        "A JSON object sent instead of the spec payload; \"{{field}}\" placeholders in its "
        "string values are filled from the event (see the README for the fields)"))

    @field_validator("body_template", mode="before")
    @classmethod
    def _template_is_known(cls, value: Any) -> Any:
        return None if value is None else webhook_template.check_template(value)

    @field_validator("secret")
    @classmethod
    def _secret_decodes(cls, value: str | None) -> str | None:
        if value is not None:
            secret_bytes(value)
        return value

    @field_validator("headers")
    @classmethod
    def _headers_are_sane(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return None
        if len(value) > MAX_HEADERS:
            raise ValueError(f"at most {MAX_HEADERS} headers")
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if name.lower() in RESERVED_HEADERS:
                raise ValueError(f"{name} is set by Enori and cannot be overridden")
            if len(text) > 1000 or any(c in text for c in "\r\n\0"):
                raise ValueError(f"the value of {name} is too long or contains line breaks")
        return value


def render(event: dict, test: bool = False) -> dict:
    """The JSON body for `event`, exactly the spec's keys (internal fields never leave)."""
    payload: dict[str, Any] = {"event": event.get("event")}
    monitor = event.get("monitor")
    if monitor:
        payload["monitor"] = {key: monitor.get(key) for key in _MONITOR_KEYS}
    payload["alert"] = _alert_of(event)
    if event.get("incident") is not None:
        payload["incident"] = {key: event["incident"].get(key) for key in _INCIDENT_KEYS}
    if test:
        payload["alert"]["message"] = summarize(event, test=True).description
        payload["test"] = True
    return payload


def _alert_of(event: dict) -> dict:
    if event.get("alert"):
        return {key: event["alert"].get(key) for key in _ALERT_KEYS}
    summary = summarize(event)
    kind = (event.get("event") or "").rpartition(".")[2]
    return {"type": "Incident" + kind.replace("_", " ").title().replace(" ", ""),
            "message": (event.get("incident") or {}).get("title"),
            "timestamp": summary.timestamp, "responseTimeMs": None}


def body_of(channel_config: dict, event: dict, test: bool = False) -> bytes:
    """The request body: the spec payload, or the channel's template filled from it."""
    payload = render(event, test=test)
    template = channel_config.get("body_template")
    if template is None:
        return to_json_bytes(payload)
    values = webhook_template.fields_of(payload, event, test=test)
    return to_json_bytes(webhook_template.apply(template, values))


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = body_of(channel_config, event, test=is_test(event, ctx))
    headers = request_headers(channel_config, body, ctx.delivery_id, int(ctx.clock.time()))
    return await post_json(channel_config["webhook_url"], body, headers, ctx,
                           permanent_statuses=PERMANENT_STATUSES)


def request_headers(channel_config: dict, body: bytes, delivery_id: str,
                    timestamp: int) -> dict[str, str]:
    """The channel's extra headers, then ours on top (a stored config cannot override them)."""
    extra = {name: value for name, value in (channel_config.get("headers") or {}).items()
             if name.lower() not in RESERVED_HEADERS}
    headers = {**extra, **json_headers(USER_AGENT),
               "webhook-id": delivery_id, "webhook-timestamp": str(timestamp)}
    if channel_config.get("secret"):
        headers["webhook-signature"] = sign(channel_config["secret"], delivery_id, timestamp, body)
    return headers


def secret_bytes(secret: str) -> bytes:
    """A `whsec_<base64>` secret is its decoded bytes (Standard Webhooks); any other, its UTF-8."""
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode("utf-8")
    try:
        return base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error:
        raise ValueError("a secret starting with whsec_ must be base64 after the prefix") from None


def sign(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes | str, *,
                     now: float | None = None,
                     tolerance_seconds: int = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """What a receiver does: recompute the signature over the raw body and compare in constant
    time. `webhook-signature` may list several space-separated `v1,<sig>` (secret rotation).
    With `now`, also refuse a timestamp further than `tolerance_seconds` away (replays)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    delivery_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp", "")
    if not delivery_id or not timestamp.isdigit() or "webhook-signature" not in lowered:
        return False
    if now is not None and abs(now - int(timestamp)) > tolerance_seconds:
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else body
    expected = sign(secret, delivery_id, int(timestamp), raw)
    return any(hmac.compare_digest(expected, candidate)
               for candidate in lowered["webhook-signature"].split())
