"""Alert channel lifecycle: parse, create (within the plan's limit), replace, delete.

Decisions, so that readers need not guess:
- The type's fields sit at the top level of the body, next to `name`, `type` and `enabled`; the
  alerting package validates them (`alerting.validate_config`), including the outbound guard on
  literal addresses (a blocked target is a 400 SSRF_BLOCKED).
- PUT is a full replace, like monitors: an omitted `secret` or `headers` is removed, and the type
  may change (nothing else depends on a channel's type).
- Deleting a channel frees its plan slot and removes its id from the account's rules. Monitors'
  `alertChannelIds` may keep the dangling id; delivery skips channels that no longer exist.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic.alias_generators import to_camel

from chalicelib.channels import family as alerting
from chalicelib.channels import failures as channel_failures
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import NotFoundError, ValidationError
from chalicelib.kernel.ids import new_id
from chalicelib.channels.models import CHANNEL_COMMON_FIELDS, AlertChannelHead
from chalicelib.accounts.plan_slots import create_in_slot, delete_from_slot
from chalicelib.kernel.netguard import OutboundGuard
from chalicelib.kernel.settings import settings
from chalicelib.storage import channels as store
from chalicelib.storage import rules as rule_store
from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.base import update_if
from chalicelib.storage.channels import AlertChannelItem
from chalicelib.storage.rules import AlertRuleItem

# What GET and list show in place of a hidden part of a value; a PUT that sends it back is refused.
MASK = "…"
CHAT_TYPES = ("Slack", "Discord", "Teams",
              "GoogleChat",
              "Mattermost",
              )
_SHOWN_PATH_CHARS = 8


@dataclass(frozen=True)
class ChannelIn:
    """A validated channel body: common fields and the type's configuration (snake_case)."""
    name: str
    type: str
    enabled: bool
    config: dict[str, Any]


def parse_channel(data: Any) -> ChannelIn:
    """Validate a channel body. Raises pydantic.ValidationError (bad fields, camelCase locations),
    SsrfBlockedError (a blocked literal target) or ValidationError (a masked value sent back)."""
    common = {k: v for k, v in data.items() if k in CHANNEL_COMMON_FIELDS} \
        if isinstance(data, dict) else data
    head = AlertChannelHead.model_validate(common)
    fields = {k: v for k, v in data.items() if k not in CHANNEL_COMMON_FIELDS}
    _refuse_masked_values(head.type, fields)
    guard = OutboundGuard(allow_private=settings.allow_private_targets)
    config = alerting.validate_config(head.type, fields, guard)
    return ChannelIn(head.name, head.type, head.enabled, config)


def _refuse_masked_values(channel_type: str, fields: dict) -> None:
    """A client that PUTs back what GET showed would store a broken URL, header or credential
    (GET never shows them in full): say so, naming the field."""
    url = fields.get("webhookUrl")
    if isinstance(url, str) and MASK in url:
        raise ValidationError.for_field(
            "webhookUrl", "is masked; send the full URL (GET never shows it in full)")
    secrets = {to_camel(name) for name in alerting.SECRET_FIELDS.get(channel_type, ())}
    for name, value in fields.items():
        if value == MASK or name in secrets and isinstance(value, str) and MASK in value:
            raise ValidationError.for_field(
                name, "is masked; send the full value (no answer ever shows it)")
    headers = fields.get("headers")
    if isinstance(headers, dict):
        for name, value in headers.items():
            if value == MASK:
                raise ValidationError.for_field(
                    f"headers.{name}", "is masked; send the full value (GET never shows it)")


def require_channel(account_id: str, channel_id: str) -> AlertChannelItem:
    item = store.get_channel(account_id, channel_id)
    if item is None:
        raise NotFoundError(f"Alert channel {channel_id} not found.")
    return item


def _apply(item: AlertChannelItem, body: ChannelIn, now) -> None:
    item.name = body.name
    item.type = body.type
    item.enabled = body.enabled
    item.config_json = json.dumps(body.config, sort_keys=True)
    item.updated_at = now


def create_channel(account: AccountItem, body: ChannelIn, now) -> AlertChannelItem:
    """Store a new channel and take one plan slot, in one transaction (never over the limit)."""
    item = AlertChannelItem(account.account_id, new_id("ch"), created_at=now)
    _apply(item, body, now)
    create_in_slot(account, "alert_channels", lambda tx: tx.save(
        item, condition=AlertChannelItem.channel_id.does_not_exist()))
    return item


# Attributes a replace writes: other writers (delivery bookkeeping) keep theirs.
_CONFIG_ATTRIBUTES = ("name", "type", "enabled", "config_json", "updated_at")


def replace_channel(account_id: str, channel_id: str, body: ChannelIn, now) -> AlertChannelItem:
    """Full replace of an existing channel (404 if it is not the account's)."""
    item = require_channel(account_id, channel_id)
    _apply(item, body, now)
    actions = [getattr(AlertChannelItem, a).set(getattr(item, a)) for a in _CONFIG_ATTRIBUTES]
    # A replaced channel (a new token, another chat) starts healthy: its next failure tells again.
    actions.append(AlertChannelItem.last_failure_json.remove())
    item.last_failure_json = None
    if not update_if(item, actions, AlertChannelItem.channel_id.exists()):  # deleted meanwhile
        raise NotFoundError(f"Alert channel {channel_id} not found.")
    return item


def delete_channel(account_id: str, channel_id: str) -> None:
    """Delete a channel, free its plan slot, and drop its id from the account's rules."""
    item = require_channel(account_id, channel_id)
    delete_from_slot(account_id, "alert_channels", lambda tx: tx.delete(
        item, condition=AlertChannelItem.channel_id.exists()),
        f"Alert channel {channel_id} not found.")
    _forget_in_rules(account_id, channel_id)


def _forget_in_rules(account_id: str, channel_id: str) -> None:
    """A rule keeps its other channels; one left with none stays, and routes nowhere."""
    for rule in rule_store.list_rules(account_id):
        if channel_id in (rule.channel_ids or []):
            _forget_in_rule(rule, channel_id)


def _forget_in_rule(rule: AlertRuleItem, channel_id: str, attempts: int = 3) -> None:
    """Compare-and-set on the channel list, so a concurrent PUT of the rule is never undone."""
    for _ in range(attempts):
        seen = list(rule.channel_ids or [])
        remaining = [c for c in seen if c != channel_id]
        if update_if(rule, [AlertRuleItem.channel_ids.set(remaining)],
                     AlertRuleItem.channel_ids == seen):
            return
        rule = rule_store.get_rule(rule.account_id, rule.rule_id)
        if rule is None or channel_id not in (rule.channel_ids or []):
            return  # deleted, or already rewritten without the channel


def list_channels(account_id: str) -> list[AlertChannelItem]:
    return store.list_channels(account_id)


# --- the wire shape ------------------------------------------------------------------------------

def mask_url(url: str) -> str:
    """`https://hooks.slack.com/services/T0/B0/xyz` -> `https://hooks.slack.com/service…`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path[:_SHOWN_PATH_CHARS]}{MASK}"


def channel_json(item: AlertChannelItem, reveal: bool = False) -> dict:
    """The channel as the API shows it. The webhook `secret` is never shown (`hasSecret`), nor a
    provider's credentials (tokens, API keys: `MASK`); chat
    webhook URLs (they embed a token) and custom header values show in full only when `reveal`
    (the 201 of a create), masked otherwise."""
    config = dict(item.config)
    secret = config.pop("secret", None)
    for name in alerting.SECRET_FIELDS.get(item.type, ()):
        if name in config:                      # credentials: never shown, not even on create
            config[name] = MASK
    shown: dict[str, Any] = {to_camel(k): v for k, v in config.items()}
    if item.type == "Webhook":
        shown["hasSecret"] = bool(secret)
    for name in alerting.SECRET_FIELDS.get(item.type, ()):  # masked even in the 201
        if shown.get(to_camel(name)):
            shown[to_camel(name)] = MASK
    if not reveal:
        if item.type in CHAT_TYPES and isinstance(shown.get("webhookUrl"), str):
            shown["webhookUrl"] = mask_url(shown["webhookUrl"])
        if isinstance(shown.get("headers"), dict):
            shown["headers"] = {name: MASK for name in shown["headers"]}
    return {
        "id": item.channel_id, "name": item.name, "type": item.type,
        "enabled": bool(item.enabled), **shown,
        "createdAt": iso(item.created_at), "updatedAt": iso(item.updated_at or item.created_at),
        "lastFailure": channel_failures.failure_of(item),
    }
