"""Alert rules: which monitors (ids, tags or all) send which events to which channels.

Access patterns:
- get one rule of an account: GetItem(account_id, rule_id) — another account's id is not found
- every rule of an account (the API list, and routing each event): Query(account_id); accounts
  have few rules, so routing filters them in memory (chalicelib/rules/routing.py)
"""
from __future__ import annotations

from pynamodb.attributes import (BooleanAttribute, ListAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.models import Model

from chalicelib.storage.base import get_or_none, oldest_first, table_meta


class AlertRuleItem(Model):
    Meta = table_meta("alert-rules")

    account_id = UnicodeAttribute(hash_key=True)
    rule_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    # The target: exactly one of monitor_ids (non-empty), tags (non-empty) or all_monitors.
    monitor_ids = ListAttribute(of=UnicodeAttribute, null=True)
    tags = ListAttribute(of=UnicodeAttribute, null=True)
    all_monitors = BooleanAttribute(default=False)
    channel_ids = ListAttribute(of=UnicodeAttribute, default=list)
    events = ListAttribute(of=UnicodeAttribute, default=list)
    escalation_policy_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()

    def as_routing_dict(self) -> dict:
        """The plain shape `alert_routing.channels_for_event` takes."""
        return {"id": self.rule_id, "enabled": bool(self.enabled),
                "monitor_ids": list(self.monitor_ids) if self.monitor_ids is not None else None,
                "tags": list(self.tags) if self.tags is not None else None,
                "all_monitors": bool(self.all_monitors),
                "channel_ids": list(self.channel_ids or []), "events": list(self.events or [])}


def get_rule(account_id: str, rule_id: str) -> AlertRuleItem | None:
    return get_or_none(AlertRuleItem, account_id, rule_id)


def list_rules(account_id: str) -> list[AlertRuleItem]:
    """The account's rules, oldest first (a stable order for routing and lists)."""
    return oldest_first(AlertRuleItem, account_id, AlertRuleItem.rule_id)
