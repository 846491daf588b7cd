"""Monitor lifecycle: create, replace, upsert by name, delete, pause and resume.

The rules a body cannot check alone live here: plan limits (count, 30-second add-on), channel
references, schedulable intervals and outbound-guard checks of literal targets.
"""
from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Callable, ContextManager
from urllib.parse import urlsplit


from chalicelib.monitors import dependencies
from chalicelib.rules import escalation_policies
from chalicelib.monitors import jobs
from chalicelib.monitors import numbering
from chalicelib.kernel import plans
from chalicelib.monitors import scheduling
from chalicelib.kernel.errors import (
    ConflictError,
    InvalidReferenceError,
    NotFoundError,
    PlanLimitError,
    ValidationError,
)
from chalicelib.kernel.ids import new_id
from chalicelib.monitors.models import MonitorInType, monitor_defaults_dump
from chalicelib.kernel.netguard import OutboundGuard, parse_ip_literal
from chalicelib.kernel.settings import settings
from chalicelib.kernel.vocabulary import MonitorStatus, MonitorType
from chalicelib.storage import alert_records, control, incidents, monitor_states, pings
from chalicelib.storage import channels as channel_store
from chalicelib.storage import results as result_store
from chalicelib.storage import uniques
from chalicelib.storage.accounts import AccountItem, usage_change
from chalicelib.storage.monitors import MonitorItem
from chalicelib.storage.transactions import TransactionFailed, failed_at, failed_conditions, transaction

def name_key(account_id: str, name: str) -> str:
    return uniques.unique_key(account_id, "monitor-name", name)


def check_rules(account: AccountItem, body: MonitorInType) -> None:
    """Rules that need the account or other objects; raises the matching 400/403."""
    interval = body.interval_seconds
    if body.type != MonitorType.JOB and not scheduling.is_schedulable_interval(interval):
        raise ValidationError.for_field("intervalSeconds", "must be a multiple of 30")
    if body.type != MonitorType.JOB and interval == plans.THIRTY_SECOND_INTERVAL \
            and not account.thirty_second_checks:
        plan = plans.get_plan(account.plan)
        raise PlanLimitError(
            f"Your {plan.name} plan checks at most every {plan.min_interval_seconds} seconds. "
            "Add the 30s Check Interval add-on to unlock 30-second checks.",
            title="Check interval not allowed")
    unserved = [r for r in body.regions if r not in settings.check_regions]
    if unserved:
        raise ValidationError.for_field(
            "regions", f"region {unserved[0]} is not enabled on this deployment "
            f"(enabled: {', '.join(settings.check_regions)})")
    missing = [c for c in body.alert_channel_ids
               if c not in channel_store.existing_channel_ids(account.account_id,
                                                                body.alert_channel_ids)]
    if missing:
        raise InvalidReferenceError.for_field("alertChannelIds",
                                              f"alert channel {missing[0]} does not exist")
    escalation_policies.require_reference(account.account_id, body.escalation_policy_id,
                                          "escalationPolicyId")
    check_literal_target(body)


def check_literal_target(body: MonitorInType) -> None:
    """A target spelled as a blocked IP address is a 400 SSRF_BLOCKED now, not a failing check
    later (names are judged when resolved, at check time). Judged by the policy alone: the
    hosts-only sandbox (`ENORI_RESOLVER=hosts`) restricts connections, not what may be saved."""
    target = body.url if body.type in (MonitorType.PORT, MonitorType.PING) else None
    if body.type == MonitorType.WEBSITE:
        target = urlsplit(body.url).hostname
    elif body.type == MonitorType.DNS and body.nameserver:
        target = _nameserver_host(body.nameserver)
    literal = parse_ip_literal(target) if target else None
    if literal is not None:
        OutboundGuard(allow_private=settings.allow_private_targets,
                      offline=False).check_ip(target, literal)


def _nameserver_host(text: str) -> str:
    """The address of a validated nameserver: "ip", "ip:port", "[v6]:port" or a bare v6."""
    if text.startswith("["):
        return text[1:text.index("]")]
    return text.split(":")[0] if text.count(":") == 1 else text


def _apply(item: MonitorItem, body: MonitorInType, now) -> None:
    """Copy a validated body onto the item, with the schedule derived from it."""
    item.name = body.name
    item.type = body.type
    config = monitor_defaults_dump(body)
    item.config_json = json.dumps(config, sort_keys=True)
    item.tags = list(body.tags)
    item.regions = list(body.regions)
    item.updated_at = now
    phase = scheduling.phase_for(item.monitor_id, body.interval_seconds,
                                 numbering.shard_key_of(item))
    item.offset_seconds = phase.offset_seconds
    scheduled = body.type != MonitorType.JOB and not item.paused
    item.schedule_key = scheduling.schedule_key(body.interval_seconds, phase) if scheduled else None
    jobs.prepare(item, config)


# What a configuration change writes. Updates name these attributes only, so a replace or a
# pause never rolls back the check telemetry (status, last check, uptime) written meanwhile.
# A Job monitor's deadline is written on its job state (`jobs.write_state`), not here.
CONFIG_ATTRIBUTES = ("name", "type", "config_json", "tags", "regions", "updated_at",
                     "offset_seconds", "schedule_key", "paused", "ping_token")


def config_actions(item: MonitorItem, extra: tuple[str, ...] = ()) -> list:
    actions = jobs.own_deadline_removals()
    for name in CONFIG_ATTRIBUTES + extra:
        attribute, value = getattr(MonitorItem, name), getattr(item, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def create_monitor(account: AccountItem, body: MonitorInType, now) -> MonitorItem:
    check_rules(account, body)
    item = MonitorItem(account.account_id, new_id("mon"), created_at=now,
                       status=MonitorStatus.PENDING)
    dependencies.check_parents(account.account_id, item.monitor_id, body.depends_on)
    item.result_seq = numbering.number_new(account.account_id)   # before its phase: the shard's
    _apply(item, body, now)
    limit = plans.limit_for(account.plan, "monitors", account.extra_monitors or 0)
    actions, condition = usage_change("monitors", +1, limit)
    # The deadline is the job state's: saved there, shown on the item once saved.
    deadline = (item.deadline_at, item.deadline_shard)
    item.deadline_at = item.deadline_shard = None
    try:
        with transaction() as tx:
            tx.save(item, condition=MonitorItem.monitor_id.does_not_exist())
            uniques.claim(tx, name_key(account.account_id, body.name), item.monitor_id)
            if item.ping_token:
                jobs.claim_token(tx, item)
            tx.update(AccountItem(account.account_id), actions=actions, condition=condition)
            if item.ping_token:
                item.deadline_at, item.deadline_shard = deadline
                jobs.write_state(tx, item)
    except TransactionFailed as exc:
        # PynamoDB sends puts before updates: [monitor, name claim, (token claim), account,
        # (job state)].
        if failed_at(exc, 1):
            raise ConflictError(f"A monitor named {body.name!r} already exists.")
        if failed_at(exc, 3 if item.ping_token else 2):
            raise PlanLimitError(plans.limit_message(account.plan, "monitors", limit or 0),
                                 title=plans.limit_title("monitors"))
        raise
    _note_schedule(item)
    return item


def replace_monitor(account: AccountItem, item: MonitorItem, body: MonitorInType, now) -> MonitorItem:
    """Full replace: omitted fields go back to their defaults (spec "Update Monitor")."""
    check_rules(account, body)
    dependencies.check_parents(account.account_id, item.monitor_id, body.depends_on)
    old_name, old_token = item.name, item.ping_token
    _apply(item, body, now)
    renamed, retokened = body.name != old_name, item.ping_token != old_token
    try:
        with transaction() as tx:
            if renamed:
                uniques.release(tx, name_key(account.account_id, old_name), item.monitor_id)
                uniques.claim(tx, name_key(account.account_id, body.name), item.monitor_id)
            if retokened and old_token:   # no longer a Job monitor
                jobs.release_token(tx, item, old_token)
            if retokened and item.ping_token:   # now a Job monitor
                jobs.claim_token(tx, item)
            # Conditional on the version loaded: a concurrent edit fails rather than being lost.
            tx.update(item, actions=config_actions(item),
                      condition=MonitorItem.monitor_id.exists())
            if item.ping_token:
                jobs.write_state(tx, item)
            elif old_token:
                jobs.drop_state(tx, item)
    except TransactionFailed as exc:
        # PynamoDB sends deletes, then puts, then updates: the name claim is the first put.
        deletes = renamed + bool(retokened and old_token) + bool(old_token and not item.ping_token)
        puts = renamed + bool(retokened and item.ping_token)
        if renamed and failed_at(exc, deletes):
            raise ConflictError(f"A monitor named {body.name!r} already exists.")
        if failed_at(exc, deletes + puts):
            raise ConflictError("The monitor was changed by another request; fetch it and retry.")
        raise
    _note_schedule(item)
    return item


def require_monitor(account_id: str, monitor_id: str) -> MonitorItem:
    return require_monitor_and_job(account_id, monitor_id)[0]


def require_monitor_and_job(account_id: str, monitor_id: str):
    """`jobs.get_monitor_and_job`, a 404 when the account has no such monitor."""
    item, job = jobs.get_monitor_and_job(account_id, monitor_id)
    if item is None:
        raise NotFoundError(f"Monitor {monitor_id} not found.")
    return item, job


def upsert_by_name(account: AccountItem, name: str, body: MonitorInType, now,
                   charge_create: Callable[[], ContextManager] = nullcontext) -> MonitorItem:
    """Create or replace the monitor called `name` (the URL's name wins over the body's).

    Only a create runs inside `charge_create()` (the create-monitor quota); an update does not,
    and a create that fails, or turns into an update, leaves the block by an exception."""
    owner = uniques.owner_of(name_key(account.account_id, name))
    existing = jobs.get_monitor_and_job(account.account_id, owner)[0] if owner else None
    if existing is None:
        try:
            with charge_create():
                return create_monitor(account, body, now)
        except ConflictError:  # created concurrently by another upsert: update that one
            owner = uniques.owner_of(name_key(account.account_id, name))
            existing = require_monitor(account.account_id, owner or "")
    return replace_monitor(account, existing, body, now)


def delete_monitor(account_id: str, monitor_id: str) -> None:
    item = require_monitor(account_id, monitor_id)
    actions, condition = usage_change("monitors", -1, None)
    with transaction() as tx:
        tx.delete(item, condition=MonitorItem.monitor_id.exists())
        uniques.release(tx, name_key(account_id, item.name), item.monitor_id)
        if item.ping_token:
            jobs.release_token(tx, item, item.ping_token)
            jobs.drop_state(tx, item)
        tx.update(AccountItem(account_id), actions=actions, condition=condition)
    # What hangs under the monitor goes too: each a Query plus batch deletes, never a scan.
    result_store.delete_monitor_data(monitor_id)
    pings.delete_pings(monitor_id)
    alert_records.delete_for_monitor(account_id, monitor_id)
    incidents.delete_monitor_incidents(account_id, monitor_id)
    monitor_states.delete_state(account_id, monitor_id)


def set_paused(account_id: str, monitor_id: str, paused: bool, now) -> MonitorItem:
    item = require_monitor(account_id, monitor_id)
    config = item.config
    item.paused = paused
    item.status = MonitorStatus.PAUSED if paused else MonitorStatus.PENDING
    item.updated_at = now
    if paused or item.type == MonitorType.JOB:
        item.schedule_key = None
    else:
        phase = scheduling.phase_for(monitor_id, config["interval_seconds"],
                                     numbering.shard_key_of(item))
        item.schedule_key = scheduling.schedule_key(config["interval_seconds"], phase)
    if item.type != MonitorType.JOB:
        item.update(actions=config_actions(item, extra=("status",)),
                    condition=MonitorItem.monitor_id.exists())
        _note_schedule(item)
        return item
    jobs.arm(item, config, anchor=now)  # a pause disarms the missed-run deadline; a resume re-arms from now
    with transaction() as tx:
        tx.update(item, actions=config_actions(item, extra=("status",)),
                  condition=MonitorItem.monitor_id.exists())
        jobs.write_state(tx, item)
    _note_schedule(item)
    return item


def _note_schedule(item: MonitorItem) -> None:
    """Tell the scheduler this monitor's interval family is in use (idempotent)."""
    if item.schedule_key:
        control.add_family(scheduling.family_of(item.schedule_key))


def rotate_token(account_id: str, monitor_id: str, now) -> MonitorItem:
    """Give a Job monitor a new ping token; the old one stops working in the same transaction."""
    item = require_monitor(account_id, monitor_id)
    if item.type != jobs.JOB or not item.ping_token:
        raise ValidationError("Only Job monitors have a ping token.",
                              details=[{"field": "type", "message": "must be Job"}])
    old_token = item.ping_token
    item.ping_token, item.updated_at = jobs.new_ping_token(), now
    try:
        with transaction() as tx:
            jobs.release_token(tx, item, old_token)
            jobs.claim_token(tx, item)
            tx.update(item, actions=config_actions(item),
                      condition=MonitorItem.monitor_id.exists())
            jobs.write_state(tx, item)
    except TransactionFailed as exc:
        if any(failed_conditions(exc)):
            raise ConflictError("The monitor was changed by another request; fetch it and retry.")
        raise
    return item
