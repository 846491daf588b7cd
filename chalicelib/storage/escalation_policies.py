"""Escalation policies: an ordered ladder of levels (delay, channels, teams), run again `repeat`
times while an incident stays unacknowledged.

Access patterns:
- get one policy of an account: GetItem(account_id, policy_id) — another account's id is not
  found, which is the tenant wall
- list an account's policies: Query(account_id)
- create / delete: a transaction with the account's `escalation_policies_count`
"""
from __future__ import annotations

from pynamodb.attributes import (ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.models import Model

from chalicelib.storage.base import get_or_none, oldest_first, table_meta


class LevelMap(MapAttribute):
    delay_minutes = NumberAttribute()
    channel_ids = ListAttribute(of=UnicodeAttribute, default=list)
    team_ids = ListAttribute(of=UnicodeAttribute, default=list)


class EscalationPolicyItem(Model):
    Meta = table_meta("escalation-policies")

    account_id = UnicodeAttribute(hash_key=True)
    policy_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    levels = ListAttribute(of=LevelMap, default=list)
    repeat = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


def get_policy(account_id: str, policy_id: str) -> EscalationPolicyItem | None:
    return get_or_none(EscalationPolicyItem, account_id, policy_id)


def list_policies(account_id: str) -> list[EscalationPolicyItem]:
    """The account's policies, oldest first."""
    return oldest_first(EscalationPolicyItem, account_id, EscalationPolicyItem.policy_id)
