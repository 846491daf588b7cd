"""A ping on disk in ONE request: the ping item and the job's state, in one TransactWriteItems.

The transaction (one DynamoDB call, committed before the ping is answered):
- Put the ping (`storage.pings.PingItem`) on condition that its key is new;
- Update the Job monitor's ping fields (last run, start of the run in progress, deadline, last
  check time) and its per-token rate window (`ping_window`, `ping_hits`) on condition that the
  monitor is still the one the caller read: same `version` (an edit, pause, resume or token
  rotation bumps it), same `last_start_at` (the run time is computed from it) and room in the
  window. So the caller may decide from a cached copy: if anything it relied on moved, nothing
  is written and `StaleJobError` says "read again";
- optionally a ConditionCheck that the evaluator's state item (`storage.monitor_states`) is
  still at the version the caller judged "quiet" (a good ping changing nothing): then the ping
  needs no evaluation at all, and no state read.

The rate window lives on the monitor item it already writes, so the limit costs no write of its
own and stays exact across processes: the conditional update is atomic. Two forms, chosen from
what the caller last saw: in the current window `ADD ping_hits 1` if `ping_hits < limit`;
otherwise open the window with `SET ping_window, ping_hits = 1` if the stored window is older.
Access pattern: one TransactWriteItems (Put + Update [+ ConditionCheck]) per ping.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib.storage import monitors as monitor_store
from chalicelib.storage.monitor_states import MonitorStateItem
from chalicelib.storage.monitors import MonitorTelemetryItem
from chalicelib.storage.pings import PingItem
from chalicelib.storage.transactions import conflicted, failed_conditions, transaction


class StaleJobError(Exception):
    """A condition failed: the monitor, its window or its state moved since it was read."""


class WriteConflictError(Exception):
    """DynamoDB cancelled the transaction for a concurrent one on the same item: safe to resend."""


@dataclass(frozen=True)
class JobWrite:
    """What one ping changes on its Job monitor, and what the caller's decision relied on."""
    account_id: str
    monitor_id: str
    version: int                        # the monitor's version the caller read
    last_start_at: datetime | None      # ... and its run in progress
    at: datetime
    finished: bool                      # a success or fail: ends the run in progress
    deadline_epoch: int | None          # the next deadline (None: leave it unarmed)
    window: int                         # the current rate window's start (epoch s)
    window_open: bool                   # the caller saw this window already opened
    limit: int                          # pings allowed per window
    state_version: int | None = None    # the quiet state's version, to check; None: no check
    log: bool = False                   # a /log ping: counted and stored, the job untouched


def _job_update(job: JobWrite) -> tuple[list, object]:
    t = MonitorTelemetryItem
    actions = [] if job.log else [t.last_checked_at.set(job.at)]
    if not job.log:
        actions += [t.last_ping_at.set(job.at), t.last_start_at.remove()] if job.finished \
            else [t.last_start_at.set(job.at)]
    if job.deadline_epoch is not None:
        actions += [t.deadline_at.set(job.deadline_epoch),
                    t.deadline_shard.set(monitor_store.deadline_shard(job.monitor_id))]
    same_start = t.last_start_at.does_not_exist() if job.last_start_at is None \
        else t.last_start_at == job.last_start_at
    condition = (t.version == job.version) & same_start
    if job.window_open:
        actions.append(t.ping_hits.add(1))
        condition &= (t.ping_window == job.window) & (t.ping_hits < job.limit)
    else:
        actions += [t.ping_window.set(job.window), t.ping_hits.set(1)]
        condition &= t.ping_window.does_not_exist() | (t.ping_window < job.window)
    return actions, condition


def record_ping(ping: PingItem, job: JobWrite) -> None:
    """Store the ping and the job's new state atomically (one call), or raise StaleJobError /
    WriteConflictError with nothing written."""
    actions, condition = _job_update(job)
    try:
        with transaction() as tx:
            if job.state_version is not None:
                tx.condition_check(MonitorStateItem, job.account_id, job.monitor_id,
                                   MonitorStateItem.version == job.state_version)
            tx.save(ping, condition=PingItem.ping_key.does_not_exist())
            tx.update(MonitorTelemetryItem(job.account_id, job.monitor_id), actions=actions,
                      condition=condition)
    except TransactWriteError as exc:
        if any(failed_conditions(exc)):
            raise StaleJobError(job.monitor_id) from exc
        if conflicted(exc):
            raise WriteConflictError(job.monitor_id) from exc
        raise
