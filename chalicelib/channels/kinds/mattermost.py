"""Mattermost channel: a post through an incoming webhook.

Follows https://developers.mattermost.com/integrate/webhooks/incoming/: POST JSON to
`https://<server>/hooks/<key>` with `text` (Markdown) and optionally `username` and Slack-style
`attachments` (https://developers.mattermost.com/integrate/reference/message-attachments/):
here one attachment with the colour bar, the title, the four facts as short fields and a link.
Mattermost is self-hosted: the URL goes through the outbound guard like every channel URL.
User text is Markdown-escaped and cannot @-mention (`@channel` gets a zero-width space).

Failures: 401/403/404/410 are permanent, and so is a 400 whose `id` says the hook is unknown or
incoming webhooks are disabled (`web.incoming_webhook.invalid.app_error`,
`web.incoming_webhook.disabled.app_error`). Other 400s (our bug), 429 and 5xx are transient.
"""
from __future__ import annotations

from pydantic import Field

from chalicelib.channels.kinds import providers
from chalicelib.channels.kinds.base import (
    CHAT_PERMANENT_STATUSES,
    ChannelUrl,
    DeliveryOutcome,
    SendContext,
    is_test,
    to_json_bytes,
)
from chalicelib.channels.messages import summarize
from chalicelib.kernel.models import ApiModel

PERMANENT_ERROR_IDS = frozenset({"web.incoming_webhook.invalid.app_error",
                                 "web.incoming_webhook.disabled.app_error"})


class MattermostChannelConfig(ApiModel):
    webhook_url: ChannelUrl = Field(description="The incoming webhook URL "
                                                "(https://<server>/hooks/<key>); masked when read "
                                                "back")


def render(event: dict, test: bool = False) -> dict:
    summary = summarize(event, test=test)
    title = providers.markdown_escape(summary.title)
    attachment: dict = {
        "fallback": summary.title, "color": summary.colour, "title": summary.title,
        "fields": [{"title": label, "value": providers.markdown_escape(value), "short": True}
                   for label, value in summary.facts()],
        "footer": "Enori",
    }
    if test:
        attachment["text"] = providers.markdown_escape(summary.description)
    if summary.link:
        attachment["title_link"] = summary.link
    return {"username": "Enori", "text": f"**{title}**", "attachments": [attachment]}


def permanent_answer(status: int, answer: dict) -> bool:
    return status == 400 and answer.get("id") in PERMANENT_ERROR_IDS


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = to_json_bytes(render(event, test=is_test(event, ctx)))
    return await providers.send_judged(channel_config["webhook_url"], body, providers.headers(),
                                       ctx, permanent_statuses=CHAT_PERMANENT_STATUSES,
                                       permanent_answer=permanent_answer)
