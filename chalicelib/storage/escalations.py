"""Running escalations: one item per (incident, policy), holding the next step of the ladder.

While an escalation is active its `due_at` (epoch seconds of the next step) and `due_shard` are
set, so it sits on the sparse index `due`; a stopped or finished one leaves the index and costs
nothing. Each step is claimed with a conditional update on `next_step`, so two sweepers (or the
consumer and a sweeper) never notify a level twice.

Access patterns (never a Scan):
- start: PutItem on condition it does not exist (a duplicate `incident.created` starts nothing)
- the escalations of an incident (acknowledge/resolve stop them): Query(incident_id)
- escalations whose next step is due: Query on GSI `due` (due_shard, due_at <= now), one
  Query per shard "due#0".."due#15" with a limit per shard, plus the single key "due" every
  escalation used before the index was sharded (E16 point 8: one key took every escalation's
  writes and the sweep's reads). An escalation's shard is a hash of its id (incident, policy);
  one found under the old key moves to its shard at its next step, and the old key's Query can
  go once no escalation carries it (a stopped or finished one leaves the index).
- claim a step: UpdateItem conditional on `next_step` and `status`
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import (get_or_none, query_each_shard, save_if, shard_key,
                                     shard_keys, table_meta, update_if)

DUE_SHARDS = 16
LEGACY_DUE_SHARD = "due"        # the one key of every escalation before the index was sharded
DUE_KEYS = shard_keys("due", DUE_SHARDS, [LEGACY_DUE_SHARD])
ACTIVE, STOPPED, FINISHED = "Active", "Stopped", "Finished"


class DueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "due"
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class EscalationItem(Model):
    Meta = table_meta("escalations")

    incident_id = UnicodeAttribute(hash_key=True)
    policy_id = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute()
    started_at = NumberAttribute()              # epoch: the ladder's delays count from here
    next_step = NumberAttribute(default=0)      # 0-based over levels x (1 + repeat)
    status = UnicodeAttribute(default=ACTIVE)   # Active, Stopped, Finished
    stop_reason = UnicodeAttribute(null=True)
    event_json = UnicodeAttribute()             # the `incident.created` event it notifies with
    due_shard = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    due = DueIndex()

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.event_json)


def due_shard_of(incident_id: str, policy_id: str) -> str:
    """The `due` index key of an escalation: one of DUE_SHARDS, by its id."""
    return shard_key("due", f"{incident_id}#{policy_id}", DUE_SHARDS)


def create_escalation(item: EscalationItem) -> bool:
    """Store a new escalation; False if this incident already has one for this policy."""
    return save_if(item, EscalationItem.policy_id.does_not_exist())


def get_escalation(incident_id: str, policy_id: str) -> EscalationItem | None:
    return get_or_none(EscalationItem, incident_id, policy_id)


def for_incident(incident_id: str) -> list[EscalationItem]:
    return list(EscalationItem.query(incident_id, consistent_read=True))


def due_before(epoch: float, limit: int = 200) -> list[EscalationItem]:
    """Active escalations whose next step is due at or before `epoch`, at most `limit` per
    shard (index reads lag: the claim re-checks)."""
    return query_each_shard(EscalationItem.due, DUE_KEYS, EscalationItem.due_at <= epoch, limit)


def claim_step(item: EscalationItem, step: int, next_due: float | None) -> bool:
    """Move from `step` to `step + 1`, due at `next_due` (None: the ladder is finished). False if
    another worker moved it first, or it was stopped."""
    e = EscalationItem
    actions = [e.next_step.set(step + 1)]
    if next_due is None:
        actions += [e.status.set(FINISHED), e.due_shard.remove(), e.due_at.remove()]
    else:
        actions += [e.due_at.set(next_due),
                    e.due_shard.set(due_shard_of(item.incident_id, item.policy_id))]
    return update_if(item, actions, (e.next_step == step) & (e.status == ACTIVE))


def stop(item: EscalationItem, reason: str, status: str = STOPPED) -> bool:
    """Take an active escalation off the due index for good; False if it was not active."""
    e = EscalationItem
    return update_if(item, [e.status.set(status), e.stop_reason.set(reason), e.due_shard.remove(),
                          e.due_at.remove()], e.status == ACTIVE)


