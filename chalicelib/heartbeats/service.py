"""Job monitors at run time: pings in, missed runs found, history out (Healthchecks.io semantics).

A ping is stored before it is answered, then judged: a success is a good slot (unless the run
was shorter or longer than allowed), a fail a failed one, a start no verdict (it starts the run
clock for `runtimeMs` and `max_runtime_seconds`). A job that stops pinging is reported by the
missed-run sweep once its deadline (next expected run + grace) has passed, once per missed run.
Both feed `evaluator.evaluate_observation` with one pseudo-region, "Job", and thresholds of 1,
so incidents and alerts follow exactly as for checked monitors.

Tokens are secrets: never logged; the process cache (`ping_cache`) holds a hash of the token.
"""
from __future__ import annotations

import functools
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic, sleep


from chalicelib.heartbeats import ping_cache
from chalicelib.kernel import cron
from chalicelib.monitors import jobs
from chalicelib.status import evaluator, state_machine, system_heartbeat
from chalicelib.heartbeats import job_runs
from chalicelib.http import ratelimits
from chalicelib.kernel.clock import iso
from chalicelib.kernel.version_board import job_versions
from chalicelib.kernel.errors import (
    NotFoundError,
    RateLimitedError,
)
from chalicelib.checks.results import retention_days_of
from chalicelib.heartbeats.ping_cache import JobSnapshot
from chalicelib.status.state_machine import MonitorState, Observation, Policy
from chalicelib.storage import monitor_states as states
from chalicelib.storage import monitors as monitor_store
from chalicelib.storage import job_states, ping_writes
from chalicelib.storage import pings as store
from chalicelib.storage.job_states import JobStateItem
from chalicelib.storage.monitors import MonitorItem

log = logging.getLogger("enori.heartbeats")

SUCCESS, FAIL, START, LOG = "Success", "Fail", "Start", "Log"
# Bodies up to 100 KB are kept; longer ones are cut, as Healthchecks cuts at its PING_BODY_LIMIT
# (it answers 200 and keeps the head, so a chatty job's ping still counts).
MAX_BODY_BYTES = 100_000
TRUNCATED = "…[truncated]"
MAX_CAUSE_MESSAGE = 200                 # of a fail ping's message, quoted in alerts
# A ping is buffered in its job state when its entry is at most MAX_ENTRY_BYTES (a long message
# or user agent is stored on its own), and the buffer flushed as a chunk before it would pass
# BUFFER_BYTES: with the state's other fields the item stays under 1 KB, one write unit.
MAX_ENTRY_BYTES = 300
BUFFER_BYTES = 640


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


# --- pings ---------------------------------------------------------------------------------

# A ping whose cached view of the job was stale (an edit, another process's ping) re-reads the
# job and tries again until it is stored, refused (429: the window is full) or gone (404). Each
# lost race means another writer stored a ping of this job (or an edit, a sweep), and pings
# count into the job's rate window, so retrying ends: at worst when the window fills. A fixed
# count of 10 did not: two API processes hammering one token, the one whose pings keep the
# cache current wins almost every race, and the other's ping was a 500 after 10 (3 of 300 in
# bench/pings.py). Past PING_RETRY_SECONDS (under the ping Lambda's 10 s timeout) it is a 429
# with Retry-After: not stored, not acknowledged, so not lost.
PING_RETRY_SECONDS = 8.0
# Before retrying a cancelled write, a random pause under 10 ms, 20 ms, 40 ms ... (capped): two
# processes pinging one job that retry at once cancel each other again, in step, until both give
# up (seen on a loaded CI machine: 7 of 50 parallel pings answered 500). Full jitter (AWS's
# "Exponential Backoff and Jitter") breaks the step; the per-token lock already keeps one
# process's own pings from colliding.
CONFLICT_PAUSE_SECONDS, CONFLICT_PAUSE_CAP_SECONDS = 0.01, 0.32


def conflict_pause(attempt: int, draw=None) -> float:
    """Seconds to wait before retry number `attempt` (0-based) of a cancelled ping write."""
    return (draw or random.random)() * min(CONFLICT_PAUSE_CAP_SECONDS, CONFLICT_PAUSE_SECONDS * 2 ** attempt)


def _rate_limited(tier: ratelimits.Tier, window: int, now: datetime) -> RateLimitedError:
    full = ratelimits.Usage(tier, used=tier.limit + 1, reset_epoch=window + tier.window_seconds)
    headers = ratelimits.headers_for([full], now.timestamp())
    return RateLimitedError(f"Ping limit reached: {ratelimits.ping_limit_text(tier)}. "
                            f"Retry after {headers['Retry-After']} seconds.", headers=headers)


def _load_job(token: str, now: datetime) -> JobSnapshot:
    """Read a token's owner (`uniques`), monitor, job state and retention; 404 for an unknown
    token."""
    owner = jobs.owner_of_token(token)
    monitor, job = jobs.get_monitor_and_job(*owner) if owner else (None, None)
    if monitor is None or monitor.ping_token != token:
        raise NotFoundError("No monitor has this ping token.")
    return JobSnapshot(monitor, retention_days_of(monitor.account_id), now.timestamp(),
                       job=job or job_states.from_monitor(monitor), job_stored=job is not None)


def _quiet(snapshot: JobSnapshot, ok: bool, now: datetime) -> bool:
    """Whether a good ping changes nothing the evaluator keeps (the steady state of a healthy
    job): then it is stored without evaluation. Safe from a cached state: whatever changes the
    evaluator's state of a job (a judged ping, the sweep, an edit) bumps the job state's
    version, on which the ping's write is conditional."""
    if not ok or snapshot.state is None or snapshot.state.version is None:
        return False
    before = MonitorState.from_dict(evaluator.item_state(snapshot.state))
    observation = Observation(slot=int(now.timestamp()), region=jobs.JOB, ok=True)
    policy = Policy(regions=(jobs.JOB,), failure_threshold=1, recovery_threshold=1)
    return snapshot.monitor.status == before.status and \
        state_machine.is_quiet(before, policy, observation)


def receive_ping(token: str, ping: PingIn, now: datetime) -> store.PingItem:
    """Store one ping and the job's new state (ONE write), then judge it.

    NotFoundError (nothing written) for an unknown token; RateLimitedError past the per-token
    limit. Returns once everything is written, so an answered ping is never lost. A healthy
    job's steady ping is a single DynamoDB call: the token's monitor and job state come from
    the process cache (`ping_cache`) and the write is conditional on them being current.
    """
    # The ping's id, fixed before any retry: a ping stored on its own is rewritten, not doubled.
    key = store.ping_key(int(now.timestamp() * 1000), secrets.token_hex(4))
    with ping_cache.cache.lock(token):
        snapshot = ping_cache.cache.get(token, now.timestamp()) or _load_job(token, now)
        if snapshot.job_stored and job_versions.newer(snapshot.monitor.monitor_id,
                                                      int(snapshot.job.version)):
            # Another process wrote the job since this copy: a write from it would be refused
            # (and cancel the pings grouped with it). Read the job first (`kernel.version_board`).
            _reload(token, snapshot)
        give_up_at, attempt = monotonic() + PING_RETRY_SECONDS, 0
        while True:
            try:
                item, judged = _write_ping(token, snapshot, ping, key, now)
            except ping_writes.StaleJobError:
                if monotonic() >= give_up_at:
                    raise _too_contended() from None
                # `_write_ping` re-read the job; a second stale read in a row means another
                # writer is at it right now: step out of its way.
                if attempt:
                    sleep(conflict_pause(attempt - 1))
                attempt += 1
                continue
            except RateLimitedError:
                ping_cache.cache.put(token, snapshot)   # the next ones are refused from memory
                raise
            ping_cache.cache.put(token, snapshot)
            job_versions.note(snapshot.monitor.monitor_id, int(snapshot.job.version))
            if judged is not None:
                _judge(token, snapshot, judged, now)
            return item


def _too_contended() -> RateLimitedError:
    return RateLimitedError("Ping not stored: this token is pinged faster than its job can be "
                            "written. Retry after 1 seconds.", headers={"Retry-After": "1"})


def _write_ping(token: str, snapshot: JobSnapshot, ping: PingIn, key: str, now: datetime
                ) -> tuple[store.PingItem, tuple[bool, str | None] | None]:
    """Write the ping and the job's state; (the ping, the verdict still to evaluate: None when
    there is none (a start, a log, a paused job) or it was quiet, judged already)."""
    monitor, job, tier = snapshot.monitor, snapshot.job, ratelimits.PING_TIER
    # A ping that started before its job's counted window (it lost races, or waited on a slow
    # write, past the minute's end) counts in that newer window: writing its own older one back
    # would reset the newer window's count, and under load let hundreds past the limit.
    window = max(ratelimits.window_start(now.timestamp(), tier), int(job.ping_window or 0))
    if _window_full(job, window, tier):
        raise _rate_limited(tier, window, now)       # a full window stays full: no call
    log = ping.kind == LOG      # recorded only: no verdict, run or deadline (Healthchecks' /log)
    finished = ping.kind != START and not log
    buffer = store.parse_buffer(job.buffer)     # once, for every reader below
    runtime_ms = job_runs.runtime_ms(monitor, buffer, ping.run_id, now) \
        if finished else None
    judged = finished and not monitor.paused
    if judged and snapshot.state is None:
        snapshot.state = states.load_state(monitor.account_id, monitor.monitor_id)
    config = monitor.config                     # parsed from its JSON at each access: once
    too_often = job_runs.too_often(monitor, buffer, config, now) \
        if judged and ping.kind == SUCCESS else None
    ok, cause = verdict(ping.kind, runtime_ms, config, ping.message, ping.exit_status,
                        too_often) if judged else (False, None)
    quiet = judged and _quiet(snapshot, ok, now)
    item = _ping_item(monitor, ping, key, runtime_ms, snapshot.retention_days, now)
    deadline = job.deadline_at if log else _deadline_after_ping(monitor, config, finished, now)
    after, stored_first = _next_state(job, buffer, item, window, finished, log, deadline, now,
                                      evaluated=judged and not quiet)
    try:
        ping_writes.record_ping(ping_writes.JobWrite(
            after, int(job.version) if snapshot.job_stored else None, stored_first))
    except ping_writes.StaleJobError as stale:
        _reload(token, snapshot, stale.found)
        if _window_full(snapshot.job, window, tier):
            raise _rate_limited(tier, window, now) from None
        raise
    snapshot.job, snapshot.job_stored = after, True
    job_states.overlay(monitor, after)
    return item, ((ok, cause) if judged and not quiet else None)


def _window_open(job: JobStateItem, window: int) -> bool:
    """The job's counted hits are this window's."""
    return job.ping_window is not None and int(job.ping_window) == window


def _window_full(job: JobStateItem, window: int, tier: ratelimits.Tier) -> bool:
    return _window_open(job, window) and int(job.ping_hits or 0) >= tier.limit


def _next_state(job: JobStateItem, entries: list[store.Entry], item: store.PingItem,
                window: int, finished: bool, log: bool, deadline: int | None, now: datetime,
                evaluated: bool) -> tuple[JobStateItem, list[store.PingItem]]:
    """The job state after this ping (version + 1), and what must be stored before it: the full
    buffer as a chunk, this ping on its own when it is too big for an entry. `entries`: the
    job's buffer, parsed. `evaluated`: the ping will be evaluated, so its context moves (other
    processes must then re-read the monitor and the evaluator's state too)."""
    opened = _window_open(job, window)
    # Buffered pings past the retention go as an expired item would (TTL: the ping's expiry).
    retention = item.expires_at - now
    buffer = [e.text for e in entries if e.time >= now - retention]
    entry = store.encode_entry(item)
    stored_first: list[store.PingItem] = []
    fits = len(entry.encode()) <= MAX_ENTRY_BYTES
    if buffer and (not fits or _buffer_bytes(buffer + [entry]) > BUFFER_BYTES):
        stored_first.append(store.chunk_item(job.monitor_id, job.account_id, buffer,
                                             item.expires_at))
        buffer = []
    if fits:
        buffer.append(entry)
    else:
        stored_first.append(item)
    after = JobStateItem(
        job.shard, job.monitor_id, account_id=job.account_id, version=int(job.version or 0) + 1,
        last_ping_at=now if finished else job.last_ping_at,
        last_start_at=None if finished else (job.last_start_at if log else now),
        last_checked_at=job.last_checked_at if log else now, deadline_at=deadline,
        ping_window=window, ping_hits=int(job.ping_hits or 0) + 1 if opened else 1,
        buffer=buffer, context=int(job.context or 0) + 1 if evaluated else job.context)
    return after, stored_first


def _buffer_bytes(buffer: list[str]) -> int:
    return sum(len(e.encode()) + 1 for e in buffer)


def _reload(token: str, snapshot: JobSnapshot, found: JobStateItem | None = None) -> None:
    """Read the job again after a write found it moved (its cache age is kept: the token's
    owner was not re-read); 404 if the monitor or its token is gone. Its state item first (the
    one the refused write `found`, when DynamoDB said: no read at all): when its context did
    not move (only other processes' unjudged pings wrote it), that item is the whole re-read,
    the monitor and the evaluator's state held being current."""
    job = None if not snapshot.job_stored else \
        found if found is not None else job_states.get_state(snapshot.monitor.monitor_id)
    if job is not None and job.context == snapshot.job.context:
        snapshot.job = job
        job_states.overlay(snapshot.monitor, job)
        return
    fresh, job = jobs.get_monitor_and_job(snapshot.monitor.account_id,
                                                   snapshot.monitor.monitor_id)
    if fresh is None or fresh.ping_token != token:
        ping_cache.cache.drop(token)
        raise NotFoundError("No monitor has this ping token.")
    snapshot.monitor, snapshot.state = fresh, None
    snapshot.job, snapshot.job_stored = job or job_states.from_monitor(fresh), job is not None


def _judge(token: str, snapshot: JobSnapshot, judged: tuple[bool, str | None],
           now: datetime) -> None:
    """Evaluate a finished ping that may change the job's state, then remember the state it
    left: the evaluator shows its status on the monitor (a commit's mirror, or
    `show_if_hidden`), so the next good ping of a healthy job is quiet again. The job state's
    version is bumped after the evaluation and before the state is read again, so no process
    keeps deciding "quiet" from a state read before it."""
    monitor = snapshot.monitor
    ok, cause = judged
    observation = Observation(slot=int(now.timestamp()), region=jobs.JOB, ok=ok, error=cause)
    evaluator.evaluate_observation(monitor, observation, job_policy(monitor, now))
    version = job_states.bump(monitor.monitor_id, int(snapshot.job.version))
    if version is None:             # another writer came between: read everything next time
        ping_cache.cache.drop(token)
        return
    snapshot.job.version = version
    snapshot.job.context = int(snapshot.job.context or 0) + 1      # bump's, on the same item
    snapshot.state = states.load_state(monitor.account_id, monitor.monitor_id)
    monitor.status = MonitorState.from_dict(evaluator.item_state(snapshot.state)).status


def _ping_item(monitor: MonitorItem, ping: PingIn, key: str, runtime_ms: int | None,
               retention_days: int, now: datetime) -> store.PingItem:
    return store.PingItem(monitor.monitor_id, key, account_id=monitor.account_id, kind=ping.kind,
                          at=now, method=ping.method, runtime_ms=runtime_ms,
                          message=ping.message, source=ping.source,
                          user_agent=(ping.user_agent or "")[:500] or None,
                          exit_status=ping.exit_status, run_id=ping.run_id,
                          expires_at=now + timedelta(days=retention_days))


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
    """Report every Job monitor whose deadline has passed: a Query per job-state shard (and,
    for jobs created before job states and neither pinged nor edited since, a Query per shard
    of the monitors' deadline index)."""
    counts = {"overdue": 0, "reported": 0, "failed": 0}
    own_downtime = system_heartbeat.gaps(int(now.timestamp()))
    for shard in job_states.shards():
        for account_id, monitor_id in _overdue_in(shard, int(now.timestamp())):
            counts["overdue"] += 1
            try:
                counts["reported"] += report_missed_run(account_id, monitor_id, now,
                                                        own_downtime)
            except cron.ScheduleError as exc:
                counts["failed"] += 1
                log.error("job %s has a bad stored schedule, skipped: %s", monitor_id, exc)
            except Exception:  # one job must not stop the others; it is retried next minute
                counts["failed"] += 1
                log.exception("job %s: missed-run report failed", monitor_id)
    return counts


def _overdue_in(shard: str, now_epoch: int) -> list[tuple[str, str]]:
    """(account_id, monitor_id) of the overdue jobs of one shard. A monitor's own deadline is
    an older release's: once its job has a state item, it is cleared instead of reported."""
    overdue = [(s.account_id, s.monitor_id) for s in job_states.overdue(shard, now_epoch)]
    legacy = list(monitor_store.overdue_jobs(shard, now_epoch))
    with_state = job_states.get_states([key.monitor_id for key in legacy])   # one BatchGetItem
    for key in legacy:
        if key.monitor_id not in with_state:
            overdue.append((key.account_id, key.monitor_id))
        else:
            monitor_store.move_deadline(key.account_id, key.monitor_id, int(key.deadline_at),
                                        None)
    return list(dict.fromkeys(overdue))


def report_missed_run(account_id: str, monitor_id: str, now: datetime,
                      own_downtime: list | None = None) -> bool:
    """Report one overdue job as failed and move its deadline to the next run; False when it is
    not overdue after all (paused, deleted, or a ping moved it meanwhile), or when its deadline
    fell in Enori's own downtime (`system_heartbeat`: its ping could not be received)."""
    monitor, job = jobs.get_monitor_and_job(account_id, monitor_id)
    if monitor is None or monitor.paused or monitor.deadline_at is None:
        return False
    stored, config = int(monitor.deadline_at), monitor.config
    if stored > now.timestamp():
        return False
    move = functools.partial(_move_deadline, monitor, job is not None, stored)
    # The fields a ping wrote are the truth: an edit racing a ping may have armed too early.
    expected = cron.job_deadline(config, monitor.last_ping_at, monitor.last_start_at,
                                 monitor.created_at)
    if jobs.epoch_of(expected) > stored and expected > now:
        move(jobs.epoch_of(expected))
        return False
    upcoming = cron.deadline_after_miss(config, monitor.last_ping_at, monitor.created_at, now)
    if system_heartbeat.covers(own_downtime or [], stored,
                               int(cron.grace_of(config).total_seconds())):
        log.warning("job %s: deadline %s fell in Enori's own downtime: not reported",
                    monitor_id, stored)
        move(jobs.epoch_of(upcoming))
        return False
    observation = Observation(slot=stored, region=jobs.JOB, ok=False,
                              error=miss_cause(config, monitor, now))
    evaluator.evaluate_observation(monitor, observation, job_policy(monitor, now))
    if not move(jobs.epoch_of(upcoming)) and job is not None:
        # A ping moved the deadline meanwhile: still say the evaluator's state changed, so no
        # process keeps deciding "quiet" from the state before this report.
        job_states.bump(monitor_id)
    return True


def _move_deadline(monitor: MonitorItem, has_state: bool, expected: int, deadline: int) -> bool:
    if has_state:
        return job_states.move_deadline(monitor.monitor_id, expected, deadline)
    return monitor_store.move_deadline(monitor.account_id, monitor.monitor_id, expected, deadline)


# --- history --------------------------------------------------------------------

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


def ping_history(monitor_id: str, job: JobStateItem | None, limit: int, offset: int,
                 start: datetime | None = None, end: datetime | None = None) -> dict:
    """`{items, totalCount}` newest first; `start`/`end` select by ping time (inclusive).
    `job`: the job's state as the request read it with its monitor (its buffered pings)."""
    start_ms = None if start is None else int(start.timestamp() * 1000)
    end_ms = None if end is None else int(end.timestamp() * 1000)
    found = sorted(store.newest_first(monitor_id, job.account_id if job else "",
                                      store.parse_buffer(job.buffer if job else []), start_ms,
                                      end_ms),
                   key=lambda p: p.ping_key, reverse=True)
    return {"items": [ping_out(i) for i in found[offset:offset + limit]],
            "totalCount": len(found)}
