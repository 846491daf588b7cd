"""PagerDuty channel: alert events of the Events API v2, one PagerDuty alert per Enori incident.

Follows https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ (and the
acknowledge/resolve sections of the same API: https://developer.pagerduty.com/docs/events-api-v2/overview/).
POST `{root}/v2/enqueue` with `routing_key` (the integration key, 32 characters), `event_action`
and `dedup_key` = the incident (`paging.alert_key`): `trigger` on down (with `payload.summary`,
`source`, `severity` from the incident or the monitor, `timestamp`, `custom_details`, a link),
`acknowledge` when the incident is acknowledged in Enori, `resolve` on up. PagerDuty dedups on the
key: a trigger delivered twice opens one alert. An incident update sends nothing (the Events API
has no note).

Answers: 202 `{"status":"success","dedup_key":...}`. 400 "invalid event": permanent when it is
about the routing key (a wrong key never becomes right), transient otherwise (our payload: a retry
after a fix must still deliver). 401/403/404: permanent. 429 and 5xx: transient (PagerDuty asks
for a retry with back-off, which the 30 s / 5 min / 30 min schedule is).
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.channels.kinds import paging
from chalicelib.channels.kinds.base import DeliveryOutcome, SendContext, is_test
from chalicelib.channels.messages import MISSING, summarize
from chalicelib.channels.kinds.providers import (
    ProviderRequest,
    nothing_to_send,
    post_request,
    provider_url,
)
from chalicelib.kernel.models import ApiModel

SUMMARY_MAX_CHARS = 1024          # PagerDuty truncates longer summaries; we cut them ourselves
SECRET_FIELDS = ("routing_key",)


class PagerDutyChannelConfig(ApiModel):
    # An Events API v2 integration key: PagerDuty refuses any other length ("should be 32").
    routing_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{32}$"), Field(
        description="The Events API v2 integration key (32 characters); answers show `…`")]


def render(event: dict, test: bool = False) -> dict | None:
    """The event body without its routing key; None when PagerDuty has nothing to do."""
    action, key = paging.action_of(event), paging.alert_key(event)
    if action not in (paging.TRIGGER, paging.RESOLVE, paging.ACKNOWLEDGE) or not key:
        return None
    body: dict = {"event_action": action, "dedup_key": key}
    if action != paging.TRIGGER:
        return body
    summary = summarize(event, test=test)
    monitor = event.get("monitor") or {}
    details = {label: value for label, value in summary.facts() if value != MISSING}
    if test:
        details["Test"] = summary.description
    body["payload"] = {
        "summary": summary.title[:SUMMARY_MAX_CHARS],
        "source": monitor.get("url") or monitor.get("name") or "Enori",
        "severity": "info" if test else paging.severity_of(event),
        "component": monitor.get("name") or None,
        "class": summary.event,
        "custom_details": details,
    }
    if summary.timestamp:
        body["payload"]["timestamp"] = summary.timestamp
    body["payload"] = {k: v for k, v in body["payload"].items() if v is not None}
    body["client"] = "Enori"
    if summary.link:
        body["client_url"] = summary.link
        body["links"] = [{"href": summary.link, "text": summary.link_label}]
    return body


def request(channel_config: dict, event: dict, test: bool = False) -> ProviderRequest | None:
    body = render(event, test=test)
    if body is None:
        return None
    return ProviderRequest(f"{provider_url('pagerduty')}/v2/enqueue",
                           {"routing_key": channel_config["routing_key"], **body})


def permanent_answer(status: int, answer: dict) -> bool:
    """A 400 about the routing key (its `message` or `errors`): the key is wrong or gone."""
    said = f"{answer.get('message', '')} {answer.get('errors', '')}"   # errors: a list of texts
    return status == 400 and ("routing_key" in said or "routing key" in said.lower())


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    built = request(channel_config, event, test=is_test(event, ctx))
    if built is None:
        return nothing_to_send(f"PagerDuty does not act on {event.get('event')}")
    return await post_request(built, ctx, permanent_answer=permanent_answer)
