"""Escalation policy lifecycle: create (within the plan's limit), replace, delete.

A policy is a ladder: level n notifies its channels and the members of its teams
`delayMinutes` after the incident opened, unless the incident was acknowledged or resolved by
then; `repeat` runs the whole ladder again that many times (see `chalicelib/rules/escalation_steps.py`).
Policies are attached through alert rules' and monitors' `escalationPolicyId`; the engine that
runs them is `chalicelib/notify/escalations.py`.

Decisions, so that readers need not guess:
- Every channel and team a level names must be the caller's when the policy is written (400
  INVALID_REFERENCE naming `levels.<i>.channelIds` or `levels.<i>.teamIds`). One deleted later
  stays in the policy and is skipped when the level fires.
- Deleting a policy frees its plan slot; rules and monitors naming it keep the id, and running
  escalations of it stop at their next step.
"""
from __future__ import annotations


from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import InvalidReferenceError, NotFoundError, ValidationError
from chalicelib.kernel.ids import new_id
from chalicelib.rules.escalation_policy_models import EscalationPolicyIn
from chalicelib.accounts.plan_slots import create_in_slot, delete_from_slot
from chalicelib.storage import channels as channel_store
from chalicelib.storage import escalation_policies as store
from chalicelib.storage import teams as team_store
from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.base import update_if
from chalicelib.storage.escalation_policies import EscalationPolicyItem, LevelMap


def check_levels(body: EscalationPolicyIn) -> None:
    """Delays never decrease down the ladder; else a 400 naming the level's field."""
    for index in range(1, len(body.levels)):
        previous = body.levels[index - 1].delay_minutes
        if body.levels[index].delay_minutes < previous:
            raise ValidationError.for_field(
                f"levels.{index}.delayMinutes",
                f"must be at least the previous level's delayMinutes ({previous})")


def check_references(account_id: str, body: EscalationPolicyIn) -> None:
    """Every channel and team named is the account's; else 400 INVALID_REFERENCE."""
    channels = channel_store.existing_channel_ids(
        account_id, [c for level in body.levels for c in level.channel_ids])
    teams = {t.team_id for t in team_store.get_teams(
        account_id, [t for level in body.levels for t in level.team_ids])}
    for index, level in enumerate(body.levels):
        for channel_id in level.channel_ids:
            if channel_id not in channels:
                raise InvalidReferenceError.for_field(
                    f"levels.{index}.channelIds", f"alert channel {channel_id} does not exist")
        for team_id in level.team_ids:
            if team_id not in teams:
                raise InvalidReferenceError.for_field(
                    f"levels.{index}.teamIds", f"team {team_id} does not exist")


def require_policy(account_id: str, policy_id: str) -> EscalationPolicyItem:
    item = store.get_policy(account_id, policy_id)
    if item is None:
        raise NotFoundError(f"Escalation policy {policy_id} not found.")
    return item


def _levels(body: EscalationPolicyIn) -> list[LevelMap]:
    return [LevelMap(delay_minutes=level.delay_minutes, channel_ids=list(level.channel_ids),
                     team_ids=list(level.team_ids)) for level in body.levels]


def _check(account_id: str, body: EscalationPolicyIn) -> None:
    check_levels(body)
    check_references(account_id, body)


def create_policy(account: AccountItem, body: EscalationPolicyIn, now) -> EscalationPolicyItem:
    """Store a new policy and take one plan slot, in one transaction (never over the limit)."""
    _check(account.account_id, body)
    item = EscalationPolicyItem(account.account_id, new_id("esc"), name=body.name,
                                levels=_levels(body), repeat=body.repeat, created_at=now,
                                updated_at=now)
    create_in_slot(account, "escalation_policies", lambda tx: tx.save(
        item, condition=EscalationPolicyItem.policy_id.does_not_exist()))
    return item


def replace_policy(account_id: str, policy_id: str, body: EscalationPolicyIn,
                   now) -> EscalationPolicyItem:
    """Full replace (404 if the policy is not the account's). Running escalations take the new
    ladder from their next step on."""
    item = require_policy(account_id, policy_id)
    _check(account_id, body)
    p = EscalationPolicyItem
    item.name, item.levels, item.repeat = body.name, _levels(body), body.repeat
    item.updated_at = now
    if not update_if(item, [p.name.set(item.name), p.levels.set(item.levels),
                            p.repeat.set(item.repeat), p.updated_at.set(now)],
                     p.policy_id.exists()):  # deleted meanwhile
        raise NotFoundError(f"Escalation policy {policy_id} not found.")
    return item


def delete_policy(account_id: str, policy_id: str) -> None:
    item = require_policy(account_id, policy_id)
    delete_from_slot(account_id, "escalation_policies", lambda tx: tx.delete(
        item, condition=EscalationPolicyItem.policy_id.exists()),
        f"Escalation policy {policy_id} not found.")


def require_reference(account_id: str, policy_id: str | None, field: str) -> None:
    """For bodies that name a policy (rules, monitors): 400 INVALID_REFERENCE on `field` if it
    is not one of the account's."""
    if policy_id is not None and store.get_policy(account_id, policy_id) is None:
        raise InvalidReferenceError.for_field(field,
                                              f"escalation policy {policy_id} does not exist")


def list_policies(account_id: str) -> list[EscalationPolicyItem]:
    return store.list_policies(account_id)


def policy_json(item: EscalationPolicyItem) -> dict:
    return {
        "id": item.policy_id, "name": item.name,
        "levels": [{"level": n, "delayMinutes": int(level.delay_minutes),
                    "channelIds": list(level.channel_ids or []),
                    "teamIds": list(level.team_ids or [])}
                   for n, level in enumerate(item.levels or [], start=1)],
        "repeat": int(item.repeat or 0),
        "createdAt": iso(item.created_at), "updatedAt": iso(item.updated_at),
    }
