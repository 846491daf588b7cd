"""Google Chat channel: a message to a space's incoming webhook, as a card.

Follows https://developers.google.com/workspace/chat/quickstart/webhooks (POST the message JSON
to the webhook URL, which carries the space, `key` and `token`) and the card format of
https://developers.google.com/workspace/chat/api/reference/rest/v1/cards (`cardsV2`: a header,
one section of `decoratedText` widgets, a `buttonList` with an `openLink`). `text` is the
fallback a notification shows. Card text accepts a little HTML, so user text is escaped.

Failures (https://cloud.google.com/apis/design/errors): 401/403/404/410 (the webhook was deleted,
its token revoked, the space is gone) are permanent, as is a 400 whose ErrorInfo reason is
`API_KEY_INVALID` (the URL's key) and an invalid or blocked URL. Other 400s (a card Google
refused: our bug), 429 and 5xx are transient.
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

CONTENT_TYPE = "application/json; charset=UTF-8"
PERMANENT_REASONS = frozenset({"API_KEY_INVALID"})
TEXT_MAX_CHARS = 4000


class GoogleChatChannelConfig(ApiModel):
    webhook_url: ChannelUrl = Field(description="The space's incoming webhook URL (with its key "
                                                "and token); masked when read back")


def render(event: dict, test: bool = False) -> dict:
    summary = summarize(event, test=test)
    widgets: list[dict] = [
        {"decoratedText": {"topLabel": label, "text": providers.html_escape(value)}}
        for label, value in summary.facts()
    ]
    if summary.link:
        widgets.append({"buttonList": {"buttons": [
            {"text": summary.link_label, "onClick": {"openLink": {"url": summary.link}}}]}})
    header = {"title": summary.title}
    if summary.description:
        header["subtitle"] = summary.description
    return {
        "text": summary.title[:TEXT_MAX_CHARS],
        "cardsV2": [{"cardId": f"enori-{summary.event}",
                     "card": {"header": header, "sections": [{"widgets": widgets}]}}],
    }


def permanent_answer(status: int, answer: dict) -> bool:
    error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    reasons = {detail.get("reason") for detail in error.get("details") or []
               if isinstance(detail, dict)}
    return status == 400 and bool(reasons & PERMANENT_REASONS)


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = to_json_bytes(render(event, test=is_test(event, ctx)))
    return await providers.send_judged(channel_config["webhook_url"], body,
                                       providers.headers(CONTENT_TYPE), ctx,
                                       permanent_statuses=CHAT_PERMANENT_STATUSES,
                                       permanent_answer=permanent_answer)
