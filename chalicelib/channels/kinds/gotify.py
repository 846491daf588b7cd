"""Gotify channel: a message pushed to a self-hosted Gotify server by an application.

Follows https://gotify.net/docs/pushmsg and the API reference https://gotify.net/api-docs
(`POST /message`): JSON `title`, `message`, `priority` (0..10; clients notify from 4, sound
from 8) and `extras` (https://gotify.net/docs/msgextras): `client::display.contentType:
text/markdown` and `client::notification.click.url` (the link). The application token goes in
the `X-Gotify-Key` header (never in the URL, where proxies would log it). The server URL goes
through the outbound guard.

Failures: 401 and 403 (an unknown or deleted application token) and 404 (no Gotify at that
path) are permanent; 400 (our bug), 429 and 5xx are transient.
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

SECRET_FIELDS = ("app_token",)
MESSAGE_PATH = "/message"


class GotifyChannelConfig(ApiModel):
    server_url: ChannelUrl = Field(description="The Gotify server's base URL")
    app_token: providers.Secret = Field(description="The application token; never shown back")
    priority: int = Field(default=8, ge=0, le=10, description="0..10 (clients sound from 8)")


def render(event: dict, test: bool = False, priority: int = 8) -> dict:
    summary = summarize(event, test=test)
    intro = [providers.markdown_escape(summary.description)] if test else []
    message: dict = {
        "title": summary.title,
        "message": "  \n".join([*intro, *providers.markdown_lines(summary)]),
        "priority": priority,
        "extras": {"client::display": {"contentType": "text/markdown"}},
    }
    if summary.link:
        message["extras"]["client::notification"] = {"click": {"url": summary.link}}
    return message


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = to_json_bytes(render(event, test=is_test(event, ctx),
                                priority=channel_config.get("priority", 8)))
    url = providers.base_url(channel_config["server_url"]) + MESSAGE_PATH
    auth = {"X-Gotify-Key": channel_config["app_token"]}
    return await providers.send_judged(url, body, providers.headers(**auth), ctx,
                                       permanent_statuses=CHAT_PERMANENT_STATUSES)
