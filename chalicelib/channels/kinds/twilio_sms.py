"""Twilio SMS channel: a text message through Twilio's Programmable Messaging API.

Follows https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource:
`POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth
with the account SID and auth token, form-encoded `To`, `From` (E.164 numbers) and `Body`.

The body aims at one SMS segment: 160 GSM-7 characters
(https://www.twilio.com/docs/glossary/what-sms-character-limit). No emoji (one would switch the
whole message to UCS-2 and 70 characters); the cause is shortened first, then the link dropped,
and only then the headline cut.

Failures (https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions, codes
at https://www.twilio.com/docs/api/errors): 401/403/404 are permanent (20003 authentication
failed, 20404 no such account), and so are the answers naming a number Twilio will never
deliver to or from: 21211 invalid To, 21212 invalid From, 21606 From cannot send SMS, 21608
unverified number on a trial account, 21610 the recipient replied STOP, 21614 not a mobile
number. 429 (20429), 5xx and other 400s are transient.
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
from chalicelib.kernel.models import ApiModel

DEFAULT_URL = "https://api.twilio.com"
MESSAGES_PATH = "/2010-04-01/Accounts/{sid}/Messages.json"
SECRET_FIELDS = ("auth_token",)
SEGMENT_CHARS = 160
PERMANENT_CODES = frozenset({20003, 20404, 21211, 21212, 21606, 21608, 21610, 21614})
ELLIPSIS = "..."

AccountSid = Annotated[str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$")]
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True,
                                               pattern=r"^\+[1-9][0-9]{6,14}$")]
AuthToken = Annotated[str, StringConstraints(pattern=r"^[0-9a-zA-Z]{32}$")]


class TwilioSmsChannelConfig(ApiModel):
    account_sid: AccountSid = Field(description="The account SID (AC...)")
    auth_token: AuthToken = Field(description="The account's auth token; never shown back")
    from_number: PhoneNumber = Field(description="A Twilio number of the account, E.164 (+1...)")
    to_number: PhoneNumber = Field(description="The recipient, E.164")


def render(event: dict, test: bool = False) -> dict:
    """`{"Body": ...}` (`send` adds the numbers)."""
    return {"Body": sms_text(event, test)}


def sms_text(event: dict, test: bool = False) -> str:
    summary = summarize(event, test=test)
    head = ("[TEST] " if test else "") + f"Enori: {summary.headline}"
    cause = summary.cause or ""
    link = f" {summary.link}" if summary.link else ""
    for with_link in (link, ""):
        room = SEGMENT_CHARS - len(head) - len(with_link)
        if not cause:
            if room >= 0:
                return head + with_link
            continue
        if room >= len(cause) + 2:
            return f"{head}: {cause}{with_link}"
        if room >= 2 + 10 + len(ELLIPSIS):       # a cause shortened to nothing says nothing
            return f"{head}: {cause[:room - 2 - len(ELLIPSIS)]}{ELLIPSIS}{with_link}"
    return head[:SEGMENT_CHARS - len(ELLIPSIS)] + ELLIPSIS


def permanent_answer(status: int, answer: dict) -> bool:
    return answer.get("code") in PERMANENT_CODES


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = providers.form_body({"To": channel_config["to_number"],
                                "From": channel_config["from_number"],
                                **render(event, test=is_test(event, ctx))})
    sid = channel_config["account_sid"]
    url = providers.provider_url("twilio", DEFAULT_URL) + MESSAGES_PATH.format(sid=sid)
    auth = providers.basic_auth(sid, channel_config["auth_token"])
    return await providers.send_judged(
        url, body, providers.headers(providers.FORM_CONTENT_TYPE, Authorization=auth), ctx,
        permanent_statuses=CHAT_PERMANENT_STATUSES, permanent_answer=permanent_answer)
