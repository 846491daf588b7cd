"""Job monitors in the monitor lifecycle: their ping token, their deadline and their job state.

Used by `monitors.py` on create, replace, delete and pause, so it imports no evaluator. The token
is claimed in `uniques` (`global#ping-token#<token>` -> "<account_id>/<monitor_id>") in the same
transaction as the monitor, so `/ping/{token}` finds its monitor with ONE GetItem. The deadline
lives on the job state (`storage.job_states`), written in the same transaction too, with a new
version: a ping deciding from a monitor read before the change fails its write and reads again.
"""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone
from typing import Any

from chalicelib.kernel import cron
from chalicelib.kernel.clock import iso
from chalicelib.kernel.settings import settings
from chalicelib.storage import job_states, monitor_states
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import uniques
from chalicelib.storage.base import batch_get_across
from chalicelib.storage.job_states import JobStateItem
from chalicelib.storage.monitor_states import MonitorStateItem

log = logging.getLogger("enori.jobs")
JOB = monitor_store.JOB


def new_ping_token() -> str:
    return secrets.token_urlsafe(24)          # 192 bits


def token_key(token: str) -> str:
    return uniques.unique_key("global", "ping-token", token)


def token_owner(account_id: str, monitor_id: str) -> str:
    return f"{account_id}/{monitor_id}"


def owner_of_token(token: str) -> tuple[str, str] | None:
    """(account_id, monitor_id) holding a ping token, or None."""
    owner = uniques.owner_of(token_key(token))
    if owner is None or "/" not in owner:
        return None
    account_id, monitor_id = owner.split("/", 1)
    return account_id, monitor_id


def claim_token(tx, item) -> None:
    uniques.claim(tx, token_key(item.ping_token), token_owner(item.account_id, item.monitor_id))


def release_token(tx, item, token: str) -> None:
    uniques.release(tx, token_key(token), token_owner(item.account_id, item.monitor_id))


def ping_url(token: str) -> str:
    return f"{settings.public_base_url}/ping/{token}"


def epoch_of(when: datetime) -> int:
    return int(when.timestamp())


def arm(item, config: dict[str, Any], anchor: datetime | None = None) -> None:
    """Set the item's deadline from its last run (or `anchor`, e.g. a resume), or clear it when
    paused. A schedule that cannot be evaluated leaves the job unarmed, logged, never raised."""
    if item.paused:
        item.deadline_at = item.deadline_shard = None
        return
    try:
        due = cron.job_deadline(config, anchor or item.last_ping_at,
                                None if anchor else item.last_start_at, item.created_at)
    except cron.ScheduleError as exc:
        log.error("job %s left unarmed: %s", item.monitor_id, exc)
        item.deadline_at = item.deadline_shard = None
        return
    item.deadline_at = epoch_of(due)
    item.deadline_shard = monitor_store.deadline_shard(item.monitor_id)


def prepare(item, config: dict[str, Any]) -> None:
    """Give a Job monitor a token (kept across replaces) and a deadline; clear both otherwise."""
    if item.type != JOB:
        item.ping_token = item.deadline_at = item.deadline_shard = None
        return
    item.ping_token = item.ping_token or new_ping_token()
    arm(item, config)


def get_monitor_and_job(account_id: str, monitor_id: str
                        ) -> tuple[monitor_store.MonitorItem | None, JobStateItem | None]:
    """A monitor with its job state shown on it (`job_states.overlay`), and that state (None:
    not a Job monitor, or a job created before job states and neither pinged nor edited since:
    the monitor item's own fields are its state). A GetItem more for a Job monitor."""
    monitor = monitor_store.get_monitor(account_id, monitor_id)
    if monitor is None or monitor.type != JOB:
        return monitor, None
    state = job_states.get_state(monitor_id)
    return job_states.overlay(monitor, state), state


def with_job_states(monitors: list) -> list:
    """Monitors with their job states shown on them (one BatchGetItem for the Job monitors)."""
    states = job_states.get_states([m.monitor_id for m in monitors if m.type == JOB])
    return [job_states.overlay(m, states.get(m.monitor_id)) for m in monitors]


def with_job_and_evaluator_states(account_id: str, monitors: list
                                  ) -> tuple[list, dict[str, MonitorStateItem]]:
    """`with_job_states`, and the Job monitors' evaluator states by monitor id (what their
    listed uptimes need: `job_status.listed_job_uptimes`), from ONE BatchGetItem over both
    tables (per 100 keys)."""
    ids = [m.monitor_id for m in monitors if m.type == JOB]
    if not ids:
        return monitors, {}
    shown, evaluated = batch_get_across([job_states.shown_read(ids),
                                         monitor_states.states_read(account_id, ids)])
    states = {s.monitor_id: s for s in shown}
    return [job_states.overlay(m, states.get(m.monitor_id)) for m in monitors], \
        {s.monitor_id: s for s in evaluated}


def write_state(tx, item) -> None:
    """In the monitor's transaction: its job state gets the deadline armed on `item` (shown on
    it: `job_states.overlay`) and a new version."""
    tx.update(JobStateItem(job_states.shard_of(item.monitor_id), item.monitor_id),
              actions=job_states.lifecycle_actions(item))


def drop_state(tx, item) -> None:
    tx.delete(JobStateItem(job_states.shard_of(item.monitor_id), item.monitor_id))


def own_deadline_removals() -> list:
    """What an edit writes on the monitor item for the deadline: nothing kept there any more
    (an older release's copy, which the `by_deadline` index still finds, goes)."""
    return [monitor_store.MonitorItem.deadline_at.remove(),
            monitor_store.MonitorItem.deadline_shard.remove()]


def detail_fields(item) -> dict[str, Any]:
    """What a Job monitor's detail adds: where to ping and what was heard."""
    deadline = item.deadline_at
    return {
        "pingToken": item.ping_token,
        "pingUrl": ping_url(item.ping_token) if item.ping_token else None,
        "lastPingAt": iso(item.last_ping_at),
        "lastStartAt": iso(item.last_start_at),
        "deadline": iso(datetime.fromtimestamp(int(deadline), timezone.utc)) if deadline else None,
    }
