"""Telegram channel: a bot's message to a chat, in HTML parse mode.

Follows https://core.telegram.org/bots/api#sendmessage and its formatting rules
(https://core.telegram.org/bots/api#html-style): POST `{root}/bot<token>/sendMessage` with
`chat_id`, `text` (at most 4096 characters), `parse_mode: "HTML"` and link previews off. Every
text from a monitor, an error or an incident is escaped (`&`, `<`, `>`; `"` in the link too), so a
monitor named `<b>` or `a & b` shows as written and never breaks the message.

Answers: `{"ok":true,"result":{...}}`; errors are `{"ok":false,"error_code":N,"description":...}`.
401 (revoked token), 403 (the bot was blocked or removed from the chat), 404 (no such bot): and
400 about the chat itself ("chat not found", a group upgraded to a supergroup, ...): permanent.
Any other 400 (entities Telegram could not parse: our bug), 429 (`retry_after`) and 5xx:
transient. Telegram has no idempotency key: a delivery is posted once per (event, channel)
record, whatever number of times the event arrives (`delivery`).
"""
from __future__ import annotations

from typing import Annotated, Union

from pydantic import AfterValidator, Field, StringConstraints

from chalicelib.channels.kinds.base import DeliveryOutcome, SendContext, is_test
from chalicelib.channels.messages import MISSING, summarize
from chalicelib.channels.kinds.providers import (
    ProviderRequest,
    post_request,
    provider_url,
)
from chalicelib.kernel.models import ApiModel

TEXT_MAX_CHARS = 4096
VALUE_MAX_CHARS = 1000
SECRET_FIELDS = ("bot_token",)
# Telegram's 400s that name the chat: the channel is wrong, not the message.
CHAT_ERRORS = ("chat not found", "user not found", "upgraded to a supergroup", "chat_id is empty",
               "not enough rights", "have no rights", "bot is not a member", "kicked")


def _chat_id(value: Union[int, str]) -> str:
    """A numeric chat id (negative for groups) or a public channel's `@username`."""
    text = str(value).strip()
    digits = text[1:] if text.startswith("-") else text
    if digits.isdigit() and len(digits) <= 20:
        return text
    if text.startswith("@") and 5 <= len(text) - 1 <= 32 and text[1:].replace("_", "a").isalnum():
        return text
    raise ValueError("must be a numeric chat id or a channel's @username")


class TelegramChannelConfig(ApiModel):
    bot_token: Annotated[str, StringConstraints(pattern=r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$"),
                         Field(description="The bot's token from @BotFather; answers show `…`")]
    chat_id: Annotated[Union[int, str], AfterValidator(_chat_id), Field(
        description="A chat id (negative for groups) or a public channel's @username")]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def render(event: dict, test: bool = False) -> dict:
    """The message without its chat (`request` adds `chat_id`)."""
    summary = summarize(event, test=test)
    lines = [f"<b>{escape(summary.title)}</b>"]
    if test and summary.description:            # otherwise the cause, in the facts below
        lines.append(escape(summary.description[:VALUE_MAX_CHARS]))
    lines += [f"<b>{escape(label)}:</b> {escape(value[:VALUE_MAX_CHARS])}"
              for label, value in summary.facts() if value != MISSING]
    if summary.link:
        lines.append(f'<a href="{escape_attribute(summary.link)}">'
                     f"{escape(summary.link_label)}</a>")
    text = "\n".join(lines)
    return {"text": text if len(text) <= TEXT_MAX_CHARS else _shorten(lines),
            "parse_mode": "HTML", "link_preview_options": {"is_disabled": True}}


def _shorten(lines: list[str]) -> str:
    """Whole lines from the top while they fit: a cut inside a tag would be refused."""
    kept: list[str] = []
    for line in lines:
        if len("\n".join([*kept, line])) > TEXT_MAX_CHARS:
            break
        kept.append(line)
    return "\n".join(kept)


def request(channel_config: dict, event: dict, test: bool = False) -> ProviderRequest:
    return ProviderRequest(
        f"{provider_url('telegram')}/bot{channel_config['bot_token']}/sendMessage",
        {"chat_id": channel_config["chat_id"], **render(event, test=test)})


def permanent_answer(status: int, answer: dict) -> bool:
    """A 400 whose `description` is about the chat itself: no retry finds it."""
    description = str(answer.get("description", "")).lower()
    return status == 400 and any(words in description for words in CHAT_ERRORS)


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    return await post_request(request(channel_config, event, test=is_test(event, ctx)), ctx,
                              permanent_answer=permanent_answer)
