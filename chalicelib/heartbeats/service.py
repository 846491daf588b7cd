"""Job monitors at run time: pings in, missed runs found, history out (Healthchecks.io semantics).

A ping is stored before it is answered, then judged: a success is a good slot (unless the run
was shorter or longer than allowed), a fail a failed one, a start no verdict (it starts the run
clock for `runtimeMs` and `max_runtime_seconds`). A job that stops pinging is reported by the
missed-run sweep once its deadline (next expected run + grace) has passed, once per missed run.
Both feed `evaluator.evaluate_observation` with one pseudo-region, "Job", and thresholds of 1,
so incidents and alerts follow exactly as for checked monitors.

Tokens are secrets: never logged; the rate limit's bucket holds a hash of the token.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.monitors import cron, jobs, service as monitors
from chalicelib.status import evaluator
from chalicelib.heartbeats import job_runs
from chalicelib.http import ratelimits
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import (
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from chalicelib.checks.results import retention_days_of
from chalicelib.status.state_machine import Observation, Policy
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import pings as store
from chalicelib.storage import rate_limits
from chalicelib.storage.monitors import MonitorItem
from chalicelib.storage.transactions import failed_conditions, transaction

log = logging.getLogger("enori.heartbeats")

SUCCESS, FAIL, START, LOG = "Success", "Fail", "Start", "Log"
# Bodies up to 100 KB are kept; longer ones are cut, as Healthchecks cuts at its PING_BODY_LIMIT
# (it answers 200 and keeps the head, so a chatty job's ping still counts).
MAX_BODY_BYTES = 100_000
TRUNCATED = "…[truncated]"
MAX_CAUSE_MESSAGE = 200                 # of a fail ping's message, quoted in alerts


@dataclass(frozen=True)
class PingIn:
    kind: str                           # Success | Fail | Start | Log
    method: str
    message: str | None = None
    source: str | None = None
    user_agent: str | None = None
    exit_status: int | None = None      # /ping/{token}/{exit_status}
    run_id: str | None = None           # ?rid=


# --- pure parts ---------------------------------------------------------------------------

def message_of(body: bytes | None, msg: str | None) -> str | None:
    """The ping's message: `?msg=` and the body (both when both), cut at MAX_BODY_BYTES."""
    parts = [p for p in (msg, (body or b"").decode("utf-8", errors="replace")) if p]
    if not parts:
        return None
    raw = "\n".join(parts).encode("utf-8")
    if len(raw) <= MAX_BODY_BYTES:
        return raw.decode("utf-8")
    return raw[:MAX_BODY_BYTES].decode("utf-8", errors="ignore") + TRUNCATED


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f}".removesuffix(".0")


def verdict(kind: str, runtime_ms: int | None, config: dict, message: str | None,
            exit_status: int | None = None, too_often: str | None = None
            ) -> tuple[bool, str | None]:
    """(ok, cause) of a finished run: a fail ping (a non-zero exit status), or a success
    outside the allowed run time or too soon after the previous one (`too_often`: its cause)."""
    if kind == FAIL:
        quoted = f": {message[:MAX_CAUSE_MESSAGE]}" if message else ""
        what = f"job exited with status {exit_status}" if exit_status else "job reported failure"
        return False, f"{what}{quoted}"
    if too_often:
        return False, too_often
    low, high = config.get("min_runtime_seconds"), config.get("max_runtime_seconds")
    if runtime_ms is not None and low and runtime_ms < low * 1000:
        return False, f"job finished in {_seconds(runtime_ms)} s, faster than the minimum {low} s"
    if runtime_ms is not None and high and runtime_ms > high * 1000:
        return False, f"job finished in {_seconds(runtime_ms)} s, slower than the maximum {high} s"
    return True, None


def miss_cause(config: dict, monitor, now: datetime) -> str:
    max_runtime = config.get("max_runtime_seconds")
    started = monitor.last_start_at
    if started is not None and max_runtime and started + timedelta(seconds=max_runtime) <= now:
        return f"job started at {iso(started)} and did not finish within {max_runtime}s"
    return f"no ping since {iso(monitor.last_ping_at or monitor.created_at)}"


def job_policy(monitor, now: datetime) -> Policy:
    return Policy(regions=(jobs.JOB,), failure_threshold=1, recovery_threshold=1,
                  in_maintenance=evaluator.in_maintenance(monitor, now))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


# --- pings --------------------------------------------------------------------------------

def _take_rate_slot(token: str, now: datetime) -> None:
    """Count the ping in its token's window (`ratelimits.PING_TIER`); a 429 past the limit."""
    tier = ratelimits.PING_TIER
    window = ratelimits.window_start(now.timestamp(), tier)
    bucket = f"ping#{token_hash(token)}#{window}"
    expires = now + timedelta(seconds=2 * tier.window_seconds)
    if rate_limits.take_one(bucket, tier.limit, expires) is None:
        full = ratelimits.Usage(tier, used=tier.limit + 1, reset_epoch=window + tier.window_seconds)
        headers = ratelimits.headers_for([full], now.timestamp())
        raise RateLimitedError(f"Ping limit reached: {ratelimits.ping_limit_text(tier)}. "
                               f"Retry after {headers['Retry-After']} seconds.", headers=headers)


def _ping_monitor(token: str) -> MonitorItem:
    owner = jobs.owner_of_token(token)
    monitor = monitor_store.get_monitor(*owner) if owner else None
    if monitor is None or monitor.ping_token != token:
        raise NotFoundError("No monitor has this ping token.")
    return monitor


def receive_ping(token: str, ping: PingIn, now: datetime) -> store.PingItem:
    """Store one ping, update the job's telemetry and deadline, then judge it.

    NotFoundError (nothing written) for an unknown token; RateLimitedError past the per-token
    limit. Returns once everything is written, so an answered ping is never lost.
    """
    monitor = _ping_monitor(token)
    _take_rate_slot(token, now)
    if ping.kind == LOG:   # recorded only: no verdict, telemetry or deadline (Healthchecks' /log)
        return _store_ping(monitor, ping, None, now)
    finished = ping.kind != START
    runtime_ms = job_runs.runtime_ms(monitor, ping.run_id, now) if finished else None
    config = monitor.config
    too_often = job_runs.too_often(monitor, config, now) if ping.kind == SUCCESS else None
    item = _store_ping(monitor, ping, runtime_ms, now)
    monitor_store.record_ping_telemetry(
        monitor.account_id, monitor.monitor_id, now, finished=finished,
        deadline_epoch=_deadline_after_ping(monitor, config, finished, now))
    if finished and not monitor.paused:
        ok, cause = verdict(ping.kind, runtime_ms, config, ping.message, ping.exit_status,
                            too_often)
        observation = Observation(slot=int(now.timestamp()), region=jobs.JOB, ok=ok, error=cause)
        evaluator.evaluate_observation(monitor, observation, job_policy(monitor, now))
    return item


def _store_ping(monitor: MonitorItem, ping: PingIn, runtime_ms: int | None,
                now: datetime) -> store.PingItem:
    keep = timedelta(days=retention_days_of(monitor.account_id))
    key = store.ping_key(int(now.timestamp() * 1000), secrets.token_hex(4))
    item = store.PingItem(monitor.monitor_id, key, account_id=monitor.account_id, kind=ping.kind,
                          at=now, method=ping.method, runtime_ms=runtime_ms,
                          message=ping.message, source=ping.source,
                          user_agent=(ping.user_agent or "")[:500] or None,
                          exit_status=ping.exit_status, run_id=ping.run_id,
                          expires_at=now + keep)
    store.insert_ping(item)
    return item


def _deadline_after_ping(monitor: MonitorItem, config: dict, finished: bool,
                         now: datetime) -> int | None:
    if monitor.paused:
        return None
    try:
        due = cron.job_deadline(config, now if finished else monitor.last_ping_at,
                                None if finished else now, monitor.created_at)
    except cron.ScheduleError as exc:
        log.error("job %s: cannot arm its deadline: %s", monitor.monitor_id, exc)
        return None
    return jobs.epoch_of(due)


# --- missed runs --------------------------------------------------------------------------

def sweep_missed_runs(now: datetime) -> dict:
    """Report every Job monitor whose deadline has passed (a Query per deadline shard)."""
    counts = {"overdue": 0, "reported": 0, "failed": 0}
    for shard in range(monitor_store.DEADLINE_SHARDS):
        for key in monitor_store.overdue_jobs(f"job#{shard}", int(now.timestamp())):
            counts["overdue"] += 1
            try:
                counts["reported"] += report_missed_run(key.account_id, key.monitor_id, now)
            except cron.ScheduleError as exc:
                counts["failed"] += 1
                log.error("job %s has a bad stored schedule, skipped: %s", key.monitor_id, exc)
            except Exception:  # one job must not stop the others; it is retried next minute
                counts["failed"] += 1
                log.exception("job %s: missed-run report failed", key.monitor_id)
    return counts


def report_missed_run(account_id: str, monitor_id: str, now: datetime) -> bool:
    """Report one overdue job as failed and move its deadline to the next run; False when it is
    not overdue after all (paused, deleted, or a ping moved it meanwhile)."""
    monitor = monitor_store.get_monitor(account_id, monitor_id)
    if monitor is None or monitor.paused or monitor.deadline_at is None:
        return False
    stored, config = int(monitor.deadline_at), monitor.config
    if stored > now.timestamp():
        return False
    # The fields a ping wrote are the truth: an edit racing a ping may have armed too early.
    expected = cron.job_deadline(config, monitor.last_ping_at, monitor.last_start_at,
                                 monitor.created_at)
    if jobs.epoch_of(expected) > stored and expected > now:
        monitor_store.move_deadline(account_id, monitor_id, stored, jobs.epoch_of(expected))
        return False
    observation = Observation(slot=stored, region=jobs.JOB, ok=False,
                              error=miss_cause(config, monitor, now))
    evaluator.evaluate_observation(monitor, observation, job_policy(monitor, now))
    upcoming = cron.deadline_after_miss(config, monitor.last_ping_at, monitor.created_at, now)
    monitor_store.move_deadline(account_id, monitor_id, stored, jobs.epoch_of(upcoming))
    return True


# --- token and history --------------------------------------------------------------------

def rotate_token(account_id: str, monitor_id: str, now: datetime) -> MonitorItem:
    """Give a Job monitor a new ping token; the old one stops working in the same transaction."""
    item = monitors.require_monitor(account_id, monitor_id)
    if item.type != jobs.JOB or not item.ping_token:
        raise ValidationError("Only Job monitors have a ping token.",
                              details=[{"field": "type", "message": "must be Job"}])
    old_token = item.ping_token
    item.ping_token, item.updated_at = jobs.new_ping_token(), now
    try:
        with transaction() as tx:
            jobs.release_token(tx, item, old_token)
            jobs.claim_token(tx, item)
            tx.update(item, actions=monitors.config_actions(item),
                      condition=MonitorItem.monitor_id.exists())
    except TransactWriteError as exc:
        if any(failed_conditions(exc)):
            raise ConflictError("The monitor was changed by another request; fetch it and retry.")
        raise
    return item


def ping_out(item: store.PingItem) -> dict:
    return {
        "id": item.ping_key,
        "at": iso(item.at),
        "kind": item.kind,
        "method": item.method,
        "runtimeMs": None if item.runtime_ms is None else int(item.runtime_ms),
        "message": item.message,
        "source": item.source,
        "userAgent": item.user_agent,
        "exitStatus": None if item.exit_status is None else int(item.exit_status),
        "runId": item.run_id,
    }


def ping_history(monitor_id: str, limit: int, offset: int, start: datetime | None = None,
                 end: datetime | None = None) -> dict:
    """`{items, totalCount}` newest first; `start`/`end` select by ping time (inclusive)."""
    start_ms = None if start is None else int(start.timestamp() * 1000)
    end_ms = None if end is None else int(end.timestamp() * 1000)
    items = store.query_pings(monitor_id, offset + limit, start_ms, end_ms)[offset:]
    return {"items": [ping_out(i) for i in items],
            "totalCount": store.count_pings(monitor_id, start_ms, end_ms)}
