"""Opsgenie channel: one Opsgenie alert per Enori incident, through the Alert API.

Follows https://docs.opsgenie.com/docs/alert-api (Create Alert, Acknowledge Alert, Close Alert,
Add Note to Alert). `Authorization: GenieKey <apiKey>`; the root is https://api.opsgenie.com, or
https://api.eu.opsgenie.com for an EU account (`region`). Create (`POST /v2/alerts`) carries
`alias` = the incident (`paging.alert_key`), so Opsgenie dedups a redelivered create into the open
alert; acknowledge, close and note address the alert by that alias
(`/v2/alerts/{alias}/{action}?identifierType=alias`). Priority follows the severity: critical P1,
error P2, warning P3, info P5.

Answers: 202 `{"result":"Request will be processed",...}` (processed asynchronously). 401, 403
(a revoked or wrong API key, an integration without the right) and 404: permanent. 422 (a field
Opsgenie refused: our bug, a retry after a fix must deliver), 429 and 5xx: transient.
"""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from pydantic import Field, StringConstraints

from chalicelib.channels.kinds import paging
from chalicelib.channels.kinds.base import DeliveryOutcome, SendContext, is_test, json_headers
from chalicelib.channels.messages import MISSING, summarize
from chalicelib.channels.kinds.providers import (
    ProviderRequest,
    nothing_to_send,
    plain_lines,
    post_request,
    provider_url,
)
from chalicelib.kernel.models import ApiModel, case_insensitive_enum

MESSAGE_MAX_CHARS = 130
ALIAS_MAX_CHARS = 512
DESCRIPTION_MAX_CHARS = 15000
NOTE_MAX_CHARS = 25000
PRIORITIES = {"critical": "P1", "error": "P2", "warning": "P3", "info": "P5"}
SOURCE = "Enori"
SECRET_FIELDS = ("api_key",)
_ROOTS = {"US": "opsgenie", "EU": "opsgenie_eu"}
_PATHS = {paging.ACKNOWLEDGE: "acknowledge", paging.RESOLVE: "close", paging.NOTE: "notes"}


class OpsgenieChannelConfig(ApiModel):
    api_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{16,128}$"), Field(
        description="An API integration's key (sent as `GenieKey`); answers show `…`")]
    region: case_insensitive_enum("US", "EU") = Field(  # type: ignore[valid-type]
        "US", description="EU for an account on api.eu.opsgenie.com")


def render(event: dict, test: bool = False) -> dict | None:
    """`{"action", "alias", "body"}` for the event; None when Opsgenie has nothing to do."""
    action, alias = paging.action_of(event), paging.alert_key(event)
    if action is None or not alias:
        return None
    summary = summarize(event, test=test)
    if action != paging.TRIGGER:
        note = "\n".join([summary.title, *plain_lines(summary)])
        return {"action": action, "alias": alias[:ALIAS_MAX_CHARS],
                "body": {"source": SOURCE, "note": note[:NOTE_MAX_CHARS]}}
    monitor = event.get("monitor") or {}
    lines = plain_lines(summary)
    if summary.link:
        lines.append(f"{summary.link_label}: {summary.link}")
    body = {
        "message": summary.title[:MESSAGE_MAX_CHARS],
        "alias": alias[:ALIAS_MAX_CHARS],
        "description": "\n".join(lines)[:DESCRIPTION_MAX_CHARS],
        "details": {label: value for label, value in summary.facts() if value != MISSING},
        "source": SOURCE,
        "tags": ["Enori", summary.event],
        "priority": PRIORITIES["info" if test else paging.severity_of(event)],
    }
    if monitor.get("name"):
        body["entity"] = monitor["name"]
    return {"action": action, "alias": body["alias"], "body": body}


def request(channel_config: dict, event: dict, test: bool = False) -> ProviderRequest | None:
    rendered = render(event, test=test)
    if rendered is None:
        return None
    root = f"{provider_url(_ROOTS[channel_config.get('region') or 'US'])}/v2/alerts"
    if rendered["action"] == paging.TRIGGER:
        url = root
    else:
        url = (f"{root}/{quote(rendered['alias'], safe='')}/{_PATHS[rendered['action']]}"
               "?identifierType=alias")
    headers = {**json_headers(), "Authorization": f"GenieKey {channel_config['api_key']}"}
    return ProviderRequest(url, rendered["body"], headers)


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    built = request(channel_config, event, test=is_test(event, ctx))
    if built is None:
        return nothing_to_send(f"Opsgenie does not act on {event.get('event')}")
    return await post_request(built, ctx)
