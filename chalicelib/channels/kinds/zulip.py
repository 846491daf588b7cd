"""Zulip channel: a message to a stream (channel) and topic, sent by a bot.

Follows https://zulip.com/api/send-message: `POST {server}/api/v1/messages`, HTTP basic auth
with the bot's email and API key (https://zulip.com/api/http-headers), form-encoded
`type=stream`, `to` (the stream's name), `topic` and `content` (Zulip Markdown,
https://zulip.com/help/format-your-message-using-markdown). User text is Markdown-escaped and
cannot mention (`@**all**` gets a zero-width space). The server URL goes through the outbound
guard (zulipchat.com organisations and self-hosted servers alike).

Failures (https://zulip.com/api/rest-error-handling): 401 (`UNAUTHORIZED`, an invalid API key or
a deactivated bot), 403 and 404 are permanent, and so is a 400 with `code`
`STREAM_DOES_NOT_EXIST` (the stream was deleted or renamed). 429 (`RATE_LIMIT_HIT`), 5xx and
other 400s are transient.
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
)
from chalicelib.kernel.fields import EmailAddress
from chalicelib.channels.messages import summarize
from chalicelib.kernel.models import ApiModel

SECRET_FIELDS = ("api_key",)
MESSAGES_PATH = "/api/v1/messages"
TOPIC_MAX_CHARS = 60           # Zulip's topic length limit
PERMANENT_CODES = frozenset({"STREAM_DOES_NOT_EXIST"})


class ZulipChannelConfig(ApiModel):
    server_url: ChannelUrl = Field(description="The organisation's URL "
                                               "(https://<org>.zulipchat.com or self-hosted)")
    bot_email: EmailAddress = Field(description="The bot's email address")
    api_key: providers.Secret = Field(description="The bot's API key; never shown back")
    stream: providers.Line = Field(description="The stream (channel) name")
    topic: providers.Line = Field(default="Enori alerts", description="The topic")


def render(event: dict, test: bool = False) -> dict:
    """The message content (`send` adds the stream and topic)."""
    summary = summarize(event, test=test)
    intro = [providers.markdown_escape(summary.description)] if test else []
    title = providers.markdown_escape(summary.title)
    return {"type": "stream",
            "content": "\n".join([f"**{title}**", *intro, *providers.markdown_lines(summary)])}


def permanent_answer(status: int, answer: dict) -> bool:
    return status == 400 and answer.get("code") in PERMANENT_CODES


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    fields = render(event, test=is_test(event, ctx))
    body = providers.form_body({"type": fields["type"], "to": channel_config["stream"],
                                "topic": channel_config["topic"][:TOPIC_MAX_CHARS],
                                "content": fields["content"]})
    url = providers.base_url(channel_config["server_url"]) + MESSAGES_PATH
    auth = providers.basic_auth(channel_config["bot_email"], channel_config["api_key"])
    return await providers.send_judged(
        url, body, providers.headers(providers.FORM_CONTENT_TYPE, Authorization=auth), ctx,
        permanent_statuses=CHAT_PERMANENT_STATUSES, permanent_answer=permanent_answer)
