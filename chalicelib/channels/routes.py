"""/api/alert-channels: list, create (the full webhook URL shown once), read, replace, delete."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.accounts.service import require_account
from chalicelib.channels import service as channels
from chalicelib.http.endpoint import Call, endpoint, page
from chalicelib.channels.representations import (
    CHANNEL_CREATE, AlertChannel, AlertChannelList, channel_body)
from chalicelib.http.contract import PAGING, Body

bp = Blueprint(__name__)
CHANNEL_BODY = Body(channel_body(), example=CHANNEL_CREATE)


def _parse(call: Call) -> channels.ChannelIn:
    return call.body_of(call.json(), channels.parse_channel)


@endpoint(bp, "/api/alert-channels", "GET", scope="alerts:read", query=PAGING,
          returns=AlertChannelList)
def list_channels(call: Call):
    limit, offset = call.paging()
    return page([channels.channel_json(c) for c in channels.list_channels(call.account_id)],
                limit, offset)


@endpoint(bp, "/api/alert-channels", "POST", scope="alerts:write", status=201,
          body=CHANNEL_BODY, representation=AlertChannel)
def create_channel(call: Call):
    account = require_account(call.account_id)
    item = channels.create_channel(account, _parse(call), call.clock.now())
    return channels.channel_json(item, reveal=True)


@endpoint(bp, "/api/alert-channels/{channel_id}", "GET", scope="alerts:read",
          returns=AlertChannel)
def get_channel(call: Call, channel_id: str):
    return channels.channel_json(channels.require_channel(call.account_id, channel_id))


@endpoint(bp, "/api/alert-channels/{channel_id}", "PUT", scope="alerts:write",
          body=CHANNEL_BODY, representation=AlertChannel)
def replace_channel(call: Call, channel_id: str):
    channels.require_channel(call.account_id, channel_id)  # 404 before any 400
    item = channels.replace_channel(call.account_id, channel_id, _parse(call), call.clock.now())
    return channels.channel_json(item)


@endpoint(bp, "/api/alert-channels/{channel_id}", "DELETE", scope="alerts:write")
def delete_channel(call: Call, channel_id: str):
    channels.delete_channel(call.account_id, channel_id)
    return None
