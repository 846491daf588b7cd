"""Pushover channel: a push notification through Pushover's Message API.

Follows https://pushover.net/api: `POST https://api.pushover.net/1/messages.json`, form-encoded
`token` (the application's API token), `user` (the user or group key), `message` (at most 1024
characters; `html=1` for the bold labels and the link), `title` (250), `url` (512) and
`url_title` (100), `timestamp` (epoch seconds of the event) and `priority` (-2 lowest .. 2
emergency). Emergency priority needs `retry` (seconds between repeats, at least 30) and `expire`
(stop repeating after, at most 10800) and repeats until someone acknowledges it in the app.

A recovery (`monitor.up`, resolved, acknowledged, performance restored) is good news: it goes out
at `min(priority, 0)`, so an emergency channel does not page anyone until they acknowledge that
the site is back.

Failures (https://pushover.net/api#response): 200 with `"status": 1` is delivered. A 4xx with
`"status"` other than 1 means the request itself was refused (an invalid or disabled user key,
an invalid application token): Pushover asks not to send it again, so it is permanent, as are
401/403/404. 429 (over the monthly limit) and 5xx are transient.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.channels.kinds import providers
from chalicelib.channels.kinds.base import (
    CHAT_PERMANENT_STATUSES,
    DeliveryOutcome,
    SendContext,
    is_test,
)
from chalicelib.channels.messages import summarize
from chalicelib.channels.kinds.slack import _epoch  # the event's time as epoch seconds
from chalicelib.kernel.models import ApiModel

DEFAULT_URL = "https://api.pushover.net"
MESSAGE_PATH = "/1/messages.json"
SECRET_FIELDS = ("app_token", "user_key")
MESSAGE_MAX_CHARS = 1024
TITLE_MAX_CHARS = 250
URL_TITLE_MAX_CHARS = 100
EMERGENCY = 2
# Tones that are news to act on; the others never ring louder than normal.
_ALARMING_TONES = ("bad", "warning")

# Pushover keys are 30 case-sensitive letters and digits.
PushoverKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{30}$")]


class PushoverChannelConfig(ApiModel):
    user_key: PushoverKey = Field(description="The user or group key (30 characters); never "
                                              "shown back")
    app_token: PushoverKey = Field(description="The application's API token; never shown back")
    priority: int = Field(default=0, ge=-2, le=2, description=(
        "-2 lowest .. 2 emergency (repeats until acknowledged); recoveries go at most at 0"))
    # Only used at emergency priority (2): how often Pushover repeats it, and for how long.
    retry: int = Field(default=60, ge=30, le=10800,
                       description="Emergency only: seconds between repeats")
    expire: int = Field(default=3600, ge=30, le=10800,
                        description="Emergency only: stop repeating after this many seconds")


def render(event: dict, test: bool = False, priority: int = 0, retry: int = 60,
           expire: int = 3600) -> dict:
    """The form fields, credentials aside (`send` adds `token` and `user`)."""
    summary = summarize(event, test=test)
    lines = ([providers.html_escape(summary.description)] if test else []) + \
        providers.html_lines(summary)[:4]
    fields: dict = {
        "title": summary.title[:TITLE_MAX_CHARS],
        "message": "\n".join(lines)[:MESSAGE_MAX_CHARS],
        "html": 1,
        "priority": priority if summary.tone in _ALARMING_TONES else min(priority, 0),
    }
    if summary.link:
        fields["url"] = summary.link
        fields["url_title"] = summary.link_label[:URL_TITLE_MAX_CHARS]
    epoch = _epoch(summary.timestamp)
    if epoch is not None:
        fields["timestamp"] = epoch
    if fields["priority"] == EMERGENCY:
        fields["retry"], fields["expire"] = retry, expire
    return fields


def permanent_answer(status: int, answer: dict) -> bool:
    """A 4xx other than 429 whose `status` is not 1: Pushover refused this request for good."""
    return 400 <= status < 500 and status != 429 and answer.get("status") != 1


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    fields = render(event, test=is_test(event, ctx), priority=channel_config.get("priority", 0),
                    retry=channel_config.get("retry", 60), expire=channel_config.get("expire", 3600))
    body = providers.form_body({"token": channel_config["app_token"],
                                "user": channel_config["user_key"], **fields})
    url = providers.provider_url("pushover", DEFAULT_URL) + MESSAGE_PATH
    return await providers.send_judged(url, body, providers.headers(providers.FORM_CONTENT_TYPE),
                                       ctx, permanent_statuses=CHAT_PERMANENT_STATUSES,
                                       permanent_answer=permanent_answer)
