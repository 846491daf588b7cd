"""Matrix channel: an `m.room.message` sent by a bot account to one room.

Follows the Client-Server API, https://spec.matrix.org/v1.11/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid:
`PUT {homeserver}/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}` with
`Authorization: Bearer <access token>` and an `m.text` body (`body` plain text,
`format: org.matrix.custom.html` and `formatted_body`, see
https://spec.matrix.org/v1.11/client-server-api/#mroommessage-msgtypes). The transaction id is the
delivery id, the same on every retry of one delivery: the homeserver treats a repeated
transaction as the same event, so a retry after a lost answer never posts twice.

The homeserver is often self-hosted: its URL goes through the outbound guard. The room must be
a room id (`!opaque:server`); an alias (`#room:server`) would need a lookup first.

Failures (https://spec.matrix.org/v1.11/client-server-api/#standard-error-response): 401
(`M_UNKNOWN_TOKEN`, `M_MISSING_TOKEN`), 403 (`M_FORBIDDEN`: the bot is not in the room) and 404
are permanent; 429 (`M_LIMIT_EXCEEDED`) and 5xx are transient, and so is a 400 (our bug).
"""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from pydantic import Field, StringConstraints

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

SECRET_FIELDS = ("access_token",)
SEND_PATH = "/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}"

RoomId = Annotated[str, StringConstraints(pattern=r"^![^\s:/]+:[^\s/]+$", max_length=255)]


class MatrixChannelConfig(ApiModel):
    homeserver_url: ChannelUrl = Field(description="The homeserver's base URL")
    room_id: RoomId = Field(description="The room id (!opaque:server), not an alias")
    access_token: providers.Secret = Field(description="The bot account's access token; never "
                                                       "shown back")


def render(event: dict, test: bool = False) -> dict:
    summary = summarize(event, test=test)
    intro = [summary.description] if test else []
    html_intro = [providers.html_escape(line) for line in intro]
    return {
        "msgtype": "m.text",
        "body": "\n".join([summary.title, *intro, *providers.text_lines(summary)]),
        "format": "org.matrix.custom.html",
        "formatted_body": "<br>".join([f"<b>{providers.html_escape(summary.title)}</b>",
                                       *html_intro, *providers.html_lines(summary)]),
        # Intentional mentions (spec v1.7+): an empty set, so "@room" in a monitor's name or an
        # error message notifies nobody.
        "m.mentions": {},
    }


def send_url(homeserver_url: str, room_id: str, txn_id: str) -> str:
    path = SEND_PATH.format(room=quote(room_id, safe=""), txn=quote(txn_id, safe=""))
    return providers.base_url(homeserver_url) + path


async def send(channel_config: dict, event: dict, ctx: SendContext) -> DeliveryOutcome:
    body = to_json_bytes(render(event, test=is_test(event, ctx)))
    url = send_url(channel_config["homeserver_url"], channel_config["room_id"], ctx.delivery_id)
    auth = {"Authorization": f"Bearer {channel_config['access_token']}"}
    return await providers.send_judged(url, body, providers.headers(**auth), ctx,
                                       permanent_statuses=CHAT_PERMANENT_STATUSES, method="PUT")
