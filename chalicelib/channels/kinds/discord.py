"""Discord channel: a webhook message with one coloured embed (title, cause, the four facts as
inline fields, the event time and a link).

Failures: Discord answers 404 (Unknown Webhook) for a deleted hook and 401/403 for a bad token:
permanent, as are 410 and an invalid or blocked URL. 400 (a payload Discord refused: our bug),
429 (rate limited) and 5xx are transient.
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
from chalicelib.channels.messages import MISSING, summarize
from chalicelib.kernel.models import ApiModel

# Discord's embed limits: a longer text makes the whole message a 400.
TITLE_MAX_CHARS = 256
DESCRIPTION_MAX_CHARS = 4096
FIELD_MAX_CHARS = 1024


class DiscordChannelConfig(ApiModel):
    webhook_url: ChannelUrl


def render(event: dict, test: bool = False) -> dict:
    summary = summarize(event, test=test)
    embed: dict = {
        "title": summary.title[:TITLE_MAX_CHARS],
        "description": summary.description[:DESCRIPTION_MAX_CHARS],
        "color": summary.colour_int,
        "fields": [{"name": label, "value": (value or MISSING)[:FIELD_MAX_CHARS], "inline": True}
                   for label, value in summary.facts()],
    }
    if summary.timestamp:
        embed["timestamp"] = summary.timestamp
    if summary.link:
        embed["url"] = summary.link
    # No mentions, whatever a monitor name or an error message says (`@everyone`).
    return {"username": "Enori", "embeds": [embed], "allowed_mentions": {"parse": []}}


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = to_json_bytes(render(event, test=is_test(event, ctx)))
    return await post_json(channel_config["webhook_url"], body, json_headers(), ctx,
                           permanent_statuses=CHAT_PERMANENT_STATUSES)
