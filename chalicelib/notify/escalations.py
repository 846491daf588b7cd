"""The escalation engine: while an incident stays open, notify each level of its escalation
policies in turn, until someone acknowledges or resolves it.

- `start` (on `incident.created`): one escalation per policy that applies — the monitor's own
  `escalationPolicyId`, and that of every enabled alert rule that targets the monitor on
  `incident.created` or `monitor.down` — and the steps due at once (delay 0) fire right away.
- `run_due_escalations` (every minute): fires the steps that came due (a Query on the sparse
  index `due`, never a Scan).
- `stop_for_incident` (on `incident.acknowledged` / `incident.resolved`): takes the incident's
  escalations off the index. Before each step the incident is read again, so a step due just
  as someone acknowledges is not sent either.

Every notification is an alert record (`delivery.new_record(..., escalation_level=n)`), listed
by GET /api/alerts with its `escalationLevel`. A level's channels get the incident.created
event as they would from a rule; its teams' members get one email per team, recorded under the
virtual channel `team:<team_id>` (retries load the team's current members). Each step is
claimed (a conditional update on `next_step`) before it notifies, and record ids derive from
(event, policy, step, channel), so a step is never sent twice.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone

from chalicelib.rules import routing as alert_routing
from chalicelib.notify import delivery
from chalicelib.rules.escalation_steps import level_of, run_of, step_offset_seconds, total_steps
from chalicelib.accounts.team_targets import team_target
from chalicelib.storage import alert_records as records
from chalicelib.storage import channels as channel_store
from chalicelib.storage import escalation_policies as policy_store
from chalicelib.storage import escalations as store
from chalicelib.storage import incidents as incident_store
from chalicelib.storage import rules as rule_store
from chalicelib.storage import teams as team_store
from chalicelib.storage.escalation_policies import EscalationPolicyItem
from chalicelib.storage.escalations import ACTIVE, FINISHED, EscalationItem
from chalicelib.storage.monitors import get_monitor
from chalicelib.kernel.vocabulary import Event

log = logging.getLogger("enori.escalations")
# A rule escalates an incident if it routes one of these events for the monitor.
TRIGGER_EVENTS = frozenset({Event.INCIDENT_CREATED, Event.MONITOR_DOWN})
RETENTION_SECONDS = 30 * 86400


# --- which policies apply (pure) ---------------------------------------------------------------

def matching_policy_ids(monitor_id: str | None, monitor_config: dict | None,
                        monitor_tags: set[str], rules: list[dict]) -> list[str]:
    """The policies an incident of the monitor escalates through, each once, the monitor's own
    first. A rule is `as_routing_dict()` plus its `escalation_policy_id`."""
    found = [(monitor_config or {}).get("escalation_policy_id")]
    for rule in rules:
        if rule.get("enabled", True) and TRIGGER_EVENTS & set(rule.get("events") or []) \
                and alert_routing.is_rule_target(rule, monitor_id, monitor_tags):
            found.append(rule.get("escalation_policy_id"))
    return list(dict.fromkeys(p for p in found if p))


def policies_for_incident(account_id: str, incident: dict) -> list[str]:
    monitor_id = incident.get("monitorId")
    monitor = get_monitor(account_id, monitor_id) if monitor_id else None
    if monitor is not None and monitor.paused:
        return []                          # pausing stops alerts, escalations included
    rules = [{**r.as_routing_dict(), "escalation_policy_id": r.escalation_policy_id}
             for r in rule_store.list_rules(account_id)]
    return matching_policy_ids(monitor_id, monitor.config if monitor else None,
                               set(monitor.tags or []) if monitor else set(), rules)


# --- starting and stopping ---------------------------------------------------------------------

def start(event: dict, now: float) -> list[EscalationItem]:
    """Start the escalations of a new incident (a duplicate event starts nothing) and fire their
    steps already due."""
    incident, account_id = event.get("incident") or {}, event["accountId"]
    if incident.get("status") != "Open":
        return []
    started = []
    for policy_id in policies_for_incident(account_id, incident):
        policy = policy_store.get_policy(account_id, policy_id)
        if policy is None or not policy.levels:
            continue                       # a dangling reference escalates nothing
        item = EscalationItem(
            incident["id"], policy_id, account_id=account_id, started_at=now, next_step=0,
            status=ACTIVE, event_json=json.dumps(event, separators=(",", ":")),
            due_shard=store.due_shard_of(incident["id"], policy_id),
            due_at=now + step_offset_seconds(_delays(policy), 0),
            expires_at=datetime.fromtimestamp(now + RETENTION_SECONDS, timezone.utc))
        if store.create_escalation(item):
            started.append(item)
    for item in started:
        run_due(item, now)
    return started


def stop_for_incident(account_id: str, incident_id: str, reason: str) -> int:
    """Stop the incident's active escalations; how many were stopped."""
    return sum(store.stop(item, reason) for item in store.for_incident(incident_id)
               if item.account_id == account_id and item.status == ACTIVE)


# --- firing steps ------------------------------------------------------------------------------

def run_due_escalations(now: float) -> int:
    """Fire every step due by `now`; the number of levels notified."""
    fired = 0
    for item in store.due_before(now):
        try:
            fired += run_due(item, now)
        except Exception:  # one broken escalation must not hold up the others
            log.exception("escalation %s/%s failed; retried next minute",
                          item.incident_id, item.policy_id)
    return fired


def run_due(item: EscalationItem, now: float) -> int:
    """Fire the steps of one escalation that are due by `now`; the number notified."""
    fired = 0
    while item.status == ACTIVE and item.due_at is not None and item.due_at <= now:
        incident = incident_store.get_incident(item.account_id, item.incident_id)
        if incident is None or incident.status != "Open":
            store.stop(item, incident.status.lower() if incident else "incident deleted")
            return fired
        policy = policy_store.get_policy(item.account_id, item.policy_id)
        if policy is None or not policy.levels:
            store.stop(item, "policy deleted")
            return fired
        step = int(item.next_step)
        total = total_steps(len(policy.levels), int(policy.repeat or 0))
        if step >= total:                  # the policy was shortened under it
            store.stop(item, "finished", status=FINISHED)
            return fired
        next_due = item.started_at + step_offset_seconds(_delays(policy), step + 1) \
            if step + 1 < total else None
        if not store.claim_step(item, step, next_due):
            return fired                   # another worker took this step, or it was stopped
        item.next_step, item.due_at = step + 1, next_due
        item.status = ACTIVE if next_due is not None else FINISHED
        notify(item, policy, step, now)
        fired += 1
    return fired


def notify(item: EscalationItem, policy: EscalationPolicyItem, step: int, now: float) -> list:
    """Create the step's alert records (its channels and teams) and attempt them."""
    count = len(policy.levels)
    level_number = level_of(step, count)
    level = policy.levels[level_number - 1]
    event = {**item.event, "escalation": {"policyId": policy.policy_id, "policyName": policy.name,
                                          "level": level_number, "run": run_of(step, count)}}
    targets = [c for c in channel_store.get_channels(item.account_id, level.channel_ids or [])
               if c.enabled]
    targets += [t for t in (team_target(team) for team in
                            team_store.get_teams(item.account_id, level.team_ids or []))
                if t.config["addresses"]]
    fresh = []
    for target in targets:
        record = delivery.new_record(event, target, now, escalation_level=level_number)
        record.alert_id = delivery.alert_id_for(f"{event['id']}|{policy.policy_id}|{step}",
                                                target.channel_id)
        if records.create_record(record):
            fresh.append((record, target))
    if fresh:
        asyncio.run(delivery.attempt_all(fresh))
    return [r for r, _ in fresh]


def _delays(policy: EscalationPolicyItem) -> list[int]:
    return [int(level.delay_minutes) for level in policy.levels]
