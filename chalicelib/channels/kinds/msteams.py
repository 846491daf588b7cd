"""Microsoft Teams channel: a message carrying one Adaptive Card (1.4), which both the Teams
Workflows webhooks and the older connector webhooks render.

Failures: 404 and 410 (the workflow or connector was deleted), 401 and 403 (revoked): permanent,
as is an invalid or blocked URL. 400, 429 and 5xx are transient.
"""
from __future__ import annotations

from chalicelib.channels.kinds.base import (
    CHAT_PERMANENT_STATUSES,
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

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Adaptive Cards have named colours, not hex ones.
CARD_COLOURS = {"bad": "Attention", "good": "Good", "warning": "Warning", "info": "Default"}


class TeamsChannelConfig(ApiModel):
    webhook_url: ChannelUrl


def render(event: dict, test: bool = False) -> dict:
    summary = summarize(event, test=test)
    body: list[dict] = [
        {"type": "TextBlock", "text": summary.title, "weight": "Bolder", "size": "Medium",
         "color": CARD_COLOURS[summary.tone], "wrap": True},
    ]
    if summary.description:
        body.append({"type": "TextBlock", "text": summary.description, "wrap": True})
    body.append({"type": "FactSet",
                 "facts": [{"title": label, "value": value} for label, value in summary.facts()]})
    card: dict = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "msteams": {"width": "Full"},
    }
    if summary.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": summary.link_label,
                            "url": summary.link}]
    return {"type": "message",
            "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}]}


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = to_json_bytes(render(event, test=is_test(event, ctx)))
    return await post_json(channel_config["webhook_url"], body, json_headers(), ctx,
                           permanent_statuses=CHAT_PERMANENT_STATUSES)
