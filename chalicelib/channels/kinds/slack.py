"""Slack channel: an incoming-webhook message with a fallback `text`, Block Kit blocks (header,
the four facts, a link) and a coloured attachment bar.

Failures: Slack answers 404 (no_service, no_team), 410 (channel_is_archived, team_disabled) and
403 (invalid_token, action_prohibited) for a hook that is gone or revoked: permanent, as are
401 and an invalid or blocked URL. Everything else, 400 included (invalid_payload would be our
bug, and a retry after a fix must still deliver), 429 and 5xx, is transient.
"""
from __future__ import annotations

from datetime import datetime

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

HEADER_MAX_CHARS = 150     # Block Kit's limit for a plain_text header


class SlackChannelConfig(ApiModel):
    # http(s) rather than https-only: Slack-compatible receivers (Mattermost, Rocket.Chat) on a
    # self-hosted LAN often speak plain http, and the guard still judges the address.
    webhook_url: ChannelUrl


def escape(text: str) -> str:
    """Slack mrkdwn needs only these three escaped; a monitor named `<!channel>` pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(event: dict, test: bool = False) -> dict:
    summary = summarize(event, test=test)
    blocks: list[dict] = [
        {"type": "header",
         "text": {"type": "plain_text", "text": summary.title[:HEADER_MAX_CHARS], "emoji": True}},
    ]
    if test:
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": f"*{escape(summary.description)}*"}})
    blocks.append({"type": "section", "fields": [
        {"type": "mrkdwn", "text": f"*{label}*\n{escape(value)}"}
        for label, value in summary.facts()
    ]})
    if summary.link:
        blocks.append({"type": "section", "text": {
            "type": "mrkdwn", "text": f"<{summary.link}|{summary.link_label}>"}})
    attachment = {"color": summary.colour, "fallback": summary.title, "footer": "Enori"}
    epoch = _epoch(summary.timestamp)
    if epoch is not None:
        attachment["ts"] = epoch
    return {"text": summary.title, "blocks": blocks, "attachments": [attachment]}


def _epoch(timestamp: str | None) -> int | None:
    if not timestamp:
        return None
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = to_json_bytes(render(event, test=is_test(event, ctx)))
    return await post_json(channel_config["webhook_url"], body, json_headers(), ctx,
                           permanent_statuses=CHAT_PERMANENT_STATUSES)
