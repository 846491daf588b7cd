"""Alert rule lifecycle: create, replace, delete, and the checks a body cannot make alone.

A rule targets exactly one of: listed monitors (`monitorIds`), monitors carrying ALL the listed
tags (`tags`, AND, like `GET /api/monitors?tag=`), or every monitor (`allMonitors: true`). Its
channels must exist in the account when it is written: the write is one transaction that
condition-checks every channel, so a channel deleted at the same moment cannot slip in.
Rules have no plan limit.
"""
from __future__ import annotations


from chalicelib.rules import escalation_policies
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import InvalidReferenceError, NotFoundError, ValidationError
from chalicelib.kernel.ids import new_id
from chalicelib.channels.models import TARGET_FIELDS, AlertRuleIn, rule_target_fields
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import rules as store
from chalicelib.storage.base import delete_if
from chalicelib.storage.channels import AlertChannelItem
from chalicelib.storage.rules import AlertRuleItem
from chalicelib.storage.transactions import TransactionFailed, failed_at, transaction


def check_target(body: AlertRuleIn) -> None:
    """Exactly one of monitorIds, tags and allMonitors; else a 400 naming the fields at stake."""
    chosen = rule_target_fields(body)
    if len(chosen) == 1:
        return
    named = chosen or list(TARGET_FIELDS)
    message = ("set exactly one of monitorIds, tags or allMonitors: true"
               + (f" (got {', '.join(chosen)})" if chosen else ""))
    raise ValidationError(f"{', '.join(named)}: {message}",
                          details=[{"field": f, "message": message} for f in named])


def check_monitors(account_id: str, body: AlertRuleIn) -> None:
    for monitor_id in body.monitor_ids or []:
        if monitor_store.get_monitor(account_id, monitor_id) is None:
            raise InvalidReferenceError.for_field("monitorIds",
                                                  f"monitor {monitor_id} does not exist")


def require_rule(account_id: str, rule_id: str) -> AlertRuleItem:
    item = store.get_rule(account_id, rule_id)
    if item is None:
        raise NotFoundError(f"Alert rule {rule_id} not found.")
    return item


def _apply(item: AlertRuleItem, body: AlertRuleIn, now) -> None:
    item.name = body.name
    item.enabled = body.enabled
    item.monitor_ids = list(body.monitor_ids) if body.monitor_ids is not None else None
    item.tags = list(body.tags) if body.tags is not None else None
    item.all_monitors = body.all_monitors
    item.channel_ids = list(body.channel_ids)
    item.events = list(body.events)
    item.escalation_policy_id = body.escalation_policy_id
    item.updated_at = now


def _write(item: AlertRuleItem, condition) -> None:
    """Save the rule if every channel it names exists, in one transaction.

    Condition checks are sent first, in the order added, so a failure at index i is channel i.
    """
    try:
        with transaction() as tx:
            for channel_id in item.channel_ids:
                tx.condition_check(AlertChannelItem, item.account_id, channel_id,
                                   condition=AlertChannelItem.channel_id.exists())
            tx.save(item, condition=condition)
    except TransactionFailed as exc:
        for index, channel_id in enumerate(item.channel_ids):
            if failed_at(exc, index):
                raise InvalidReferenceError.for_field(
                    "channelIds", f"alert channel {channel_id} does not exist")
        if failed_at(exc, len(item.channel_ids)):
            raise NotFoundError(f"Alert rule {item.rule_id} not found.")
        raise


def create_rule(account_id: str, body: AlertRuleIn, now) -> AlertRuleItem:
    check_target(body)
    check_monitors(account_id, body)
    escalation_policies.require_reference(account_id, body.escalation_policy_id,
                                          "escalationPolicyId")
    item = AlertRuleItem(account_id, new_id("rule"), created_at=now)
    _apply(item, body, now)
    _write(item, AlertRuleItem.rule_id.does_not_exist())
    return item


def replace_rule(account_id: str, rule_id: str, body: AlertRuleIn, now) -> AlertRuleItem:
    """Full replace: omitted fields go back to their defaults."""
    item = require_rule(account_id, rule_id)
    check_target(body)
    check_monitors(account_id, body)
    escalation_policies.require_reference(account_id, body.escalation_policy_id,
                                          "escalationPolicyId")
    _apply(item, body, now)
    _write(item, AlertRuleItem.rule_id.exists())
    return item


def delete_rule(account_id: str, rule_id: str) -> None:
    item = require_rule(account_id, rule_id)
    if not delete_if(item, AlertRuleItem.rule_id.exists()):  # deleted by a concurrent request
        raise NotFoundError(f"Alert rule {rule_id} not found.")


def list_rules(account_id: str) -> list[AlertRuleItem]:
    return store.list_rules(account_id)


def rule_json(item: AlertRuleItem) -> dict:
    return {
        "id": item.rule_id, "name": item.name, "enabled": bool(item.enabled),
        "monitorIds": list(item.monitor_ids) if item.monitor_ids is not None else None,
        "tags": list(item.tags) if item.tags is not None else None,
        "allMonitors": bool(item.all_monitors),
        "channelIds": list(item.channel_ids or []), "events": list(item.events or []),
        "escalationPolicyId": item.escalation_policy_id,
        "createdAt": iso(item.created_at), "updatedAt": iso(item.updated_at),
    }
