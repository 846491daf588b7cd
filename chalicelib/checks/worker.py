"""The check worker: one SQS handler per region queue, running a batch's checks concurrently.

Per batch: run every check on one asyncio loop with one shared TLS context and a connection pool
sized to the concurrency, then record the results. A request carries its monitor's configuration
and number (`CheckRequest.config`, `.seq`), so a check reads no monitor: monitors are loaded
(one BatchGetItem per batch) only for requests without them (sent before they were carried, or
a monitor not numbered yet) and for the results that surprise their expectation, which the
evaluator needs the monitor for.
A record fails alone (`batchItemFailures`) when it could not be processed — a bad body or a
failed write — never because a target is down (that is a result).

Recording (E16 point 3, `storage/result_batches.py`): per message (the unit SQS redelivers) and
per (result shard, minute, region), ONE minute item holds the finished results, named by the
message's requests, so a redelivered message writes nothing twice. Then the shard heads they
touch are updated, once per head and batch (a cache of the minute items: a head that cannot be
written is logged and counted, never a failed message), and results that surprise their
request's expectation are evaluated. Nothing is written per check.

A batch has a deadline: the Lambda's remaining time less RECORD_MARGIN_SECONDS to record. What
finished by then is recorded; a check still running is cut off, unknown for its slot (nothing
recorded: never Down) and sent to the slow lane to run again (`slow_lane`).
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from chalice import Blueprint

from chalicelib.bus import check_requests, slow_lane
from chalicelib.status import evaluator, expectations
from chalicelib.kernel import observability
from chalicelib.checks import recording, results
from chalicelib.checks.family import CheckDeps, CheckResult, run_check
from chalicelib.monitors import numbering
from chalicelib.bus.check_requests import CheckRequest
from chalicelib.monitors.models import parse_monitor
from chalicelib.kernel.netguard import OutboundGuard, make_http_client, make_ssl_context
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.kernel.vocabulary import MonitorType
from chalicelib.status.state_machine import Observation, Transition
from chalicelib.storage import result_batches
from chalicelib.storage.monitors import MonitorItem
from chalicelib.storage.result_batches import CompactResult, HeadEntry

bp = Blueprint(__name__)
log = logging.getLogger("enori.worker")


def concurrency_for(memory_mb: int) -> int:
    """Checks in flight per batch (and the connection pool's size) for a function of this
    memory; Lambda's CPU share grows with it (1,769 MB is one vCPU). Measured (bench/checks.py,
    keep-alive off as the worker runs): a check costs ~1.1 ms of CPU whatever the number in
    flight, 16 to 250 (the pool's cost that grew with its square was that of idle keep-alive
    connections, which checks no longer keep), and 64 in flight check a 50 ms target 2.75x
    faster than 16 (655 against 238 checks/s): a batch's Lambda time, what a check costs, falls
    with it. As many as keep the CPU under ~40 % busy at a 300 ms check, so a starved CPU never
    adds to a response time: 16 per 256 MB, at most 64."""
    return max(16, min(64, 16 * int(memory_mb) // 256))


CONCURRENCY = concurrency_for(int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")))
# Kept back from the Lambda's remaining time to record a batch's results and re-queue the rest.
RECORD_MARGIN_SECONDS = 30
# Tries of a head's read-and-conditional-put before it is left to the rollup job.
HEAD_ATTEMPTS = 3


@dataclass
class Ran:
    job: CheckRequest
    # None: not loaded (the request carried what the check needed), or gone when it was wanted
    monitor: MonitorItem | None
    result: CheckResult
    # Where it was recorded (shard, region, index), and whether the result before it there, in
    # the shard's head, was a pass (None: no result before it, or the head could not be read)
    place: tuple[str, str, int] | None = None
    after_pass: bool | None = None


def load_monitors(jobs: list[CheckRequest]) -> dict[tuple[str, str], MonitorItem]:
    keys = list({(j.account_id, j.monitor_id) for j in jobs})
    return {(m.account_id, m.monitor_id): m for m in MonitorItem.batch_get(keys)} if keys else {}


def should_run(job: CheckRequest, monitor: MonitorItem | None) -> bool:
    """A request that carries its monitor runs as sent: the scheduler's index holds no paused
    or Job monitor, so a pause lands within the minute (the next tick sends none; checks of
    the minute already sent still run, and a surprise among them is not evaluated,
    `load_surprising`), and check-now refuses Jobs. A deleted monitor's last requests may run
    once: their results go to its never-reused index. Otherwise the monitor loaded decides:
    deleted ones are skipped; paused ones too unless the check was asked for by hand."""
    if monitor is None:
        return job.carries_monitor
    return monitor.type != MonitorType.JOB and (job.manual or not monitor.paused)


def config_of(job: CheckRequest, monitor: MonitorItem | None) -> dict:
    """The configuration a check runs with: the monitor's when loaded, else the request's."""
    return monitor.config if monitor is not None else job.config


_ssl_context = None


def shared_ssl_context():
    """One TLS context per process: building one costs tens of milliseconds, and a warm Lambda
    reuses it for every batch."""
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = make_ssl_context()
    return _ssl_context


async def run_jobs(pairs: list[tuple[CheckRequest, MonitorItem | None]], deps_factory=None
                   ) -> list[Ran]:
    return (await run_jobs_until(pairs, None, deps_factory))[0]


async def run_jobs_until(pairs: list[tuple[CheckRequest, MonitorItem | None]],
                         seconds: float | None, deps_factory=None
                         ) -> tuple[list[Ran], list[CheckRequest]]:
    """Run the checks for at most `seconds` (None: until all end); returns what finished and
    the jobs cut off (still running, or not started, at the deadline)."""
    guard = OutboundGuard(allow_private=settings.allow_private_targets)
    async with make_http_client(guard, max_connections=CONCURRENCY,
                                ssl_context=shared_ssl_context(), keepalive=False) as client:
        deps = (deps_factory or default_deps)(guard, client)
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(job: CheckRequest, monitor: MonitorItem | None) -> Ran:
            async with limit:
                return Ran(job, monitor, await check_monitor(config_of(job, monitor), deps))

        tasks = [asyncio.create_task(one(j, m)) for j, m in pairs]
        if not tasks:
            return [], []
        _, pending = await asyncio.wait(tasks, timeout=None if seconds is None
                                        else max(0.0, seconds))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        ran = [t.result() for t in tasks if t not in pending]
        cut_off = [job for (job, _), t in zip(pairs, tasks) if t in pending]
        return ran, cut_off


async def check_monitor(stored_config: dict, deps: CheckDeps) -> CheckResult:
    """Check a monitor by its stored configuration (`MonitorItem.config`)."""
    try:
        config = parse_monitor(stored_config)
    except ValueError as exc:  # a stored config that no longer validates is a clear failure
        return CheckResult(ok=False, error=f"invalid monitor configuration: {exc}",
                           error_code="INVALID_CONFIG")
    return await run_check(config, deps)


def default_deps(guard: OutboundGuard, client) -> CheckDeps:
    return CheckDeps(guard=guard, http_client=client, clock=runtime.clock,
                     ping_mode=settings.ping_mode)


def observation_of(slot: int, region: str, result: CheckResult) -> Observation:
    """What the evaluator sees of a check result (it knows nothing of checkers)."""
    return Observation(slot=slot, region=region, ok=result.ok, error=result.error,
                       response_time_ms=result.response_time_ms,
                       ssl_days_left=result.ssl_days_left,
                       ssl_not_after=(result.details or {}).get("sslNotAfter"))


def evaluate_result(monitor: MonitorItem, slot: int, region: str, result: CheckResult
                    ) -> list[Transition]:
    """Evaluate one recorded check result; returns the transitions this call committed. The
    recorded passing results its state lacks are folded in first: the worker skips results
    that agree with their request's expectation, which may have been stale
    (`chalicelib/status/expectations.py`)."""
    return evaluator.evaluate_observation(
        monitor, observation_of(slot, region, result),
        evaluator.policy_for(monitor, runtime.clock.now()),
        backfill=evaluator.skipped_observations)


def is_expected(ran: Ran) -> bool:
    """Whether the result agrees with its request's expectation and with the newest verdict
    known: then the state is neither read nor written (chalicelib/status/expectations.py).

    The request's expectation was read before the previous slot's result existed (the
    scheduler sends a minute ahead), so it may be stale: right after a failure it still
    expects a pass. The newest verdict is the monitor's shown one when it is loaded; otherwise
    the region's previous result in the shard head (`after_pass`, read by the batch anyway):
    a pass after anything but a pass is a surprise, so a recovery is evaluated at its own
    check. A pass that slips through (the head lost a race with a later batch) is folded in by
    the monitor's next evaluation (`evaluator.skipped_observations`)."""
    expects = [ran.job.expect]
    if ran.monitor is not None:
        expects.append(expectations.expected_of(ran.monitor.status, ran.monitor.state))
    elif ran.after_pass is not True:
        return False
    config = config_of(ran.job, ran.monitor)
    return all(expectations.agrees(expect, ran.job.region, ran.result.ok,
                                   ran.result.ssl_days_left, config) for expect in expects)


def load_surprising(ran: list[Ran]) -> None:
    """Load the monitors of the results that surprise their request (one BatchGetItem, for
    those only): the evaluator needs them. One gone since (deleted), or paused since, is left
    None: nothing is evaluated, and its result stays recorded."""
    surprising = [r for r in ran if r.monitor is None and not is_expected(r)]
    monitors = load_monitors([r.job for r in surprising])
    for r in surprising:
        monitor = monitors.get((r.job.account_id, r.job.monitor_id))
        r.monitor = monitor if monitor is not None and should_run(r.job, monitor) else None


def evaluate_surprise(ran: Ran, stored: bool) -> None:
    """Evaluate a recorded result unless it agrees with its expectation, once. A redelivered
    job whose result is already stored is still evaluated if the state has not counted it: the
    first delivery may have failed between the two writes (a throttled commit), and skipping it
    would lose the slot. A result whose monitor is gone (`load_surprising`) is not evaluated."""
    if ran.monitor is None or is_expected(ran):
        return
    if stored or not evaluator.has_counted(ran.monitor, ran.job.slot, ran.job.region):
        evaluate_result(ran.monitor, ran.job.slot, ran.job.region, ran.result)


# (shard, region, the result as stored): what a written minute item brings to the heads
Written = tuple[str, str, CompactResult]


def record_message(jobs: list[CheckRequest], finished: dict[int, Ran],
                   retention_days: Callable[[str], int], now: datetime,
                   evaluate: Callable[[Ran, bool], None] = evaluate_surprise) -> list[Written]:
    """Record one message's finished checks: per (shard, minute of the slot, region) one
    minute item, named by all of the message's requests (`group_of`), so a redelivery makes the
    same key whichever checks finish then and writes nothing twice. Then each result goes to
    `evaluate` (with whether this call stored it). Returns what was written, for the heads;
    raises if a write failed."""
    group = result_batches.group_of((j.monitor_id, j.slot) for j in jobs)
    checked_at = int(now.timestamp())
    members: dict[tuple[str, int, str], list[tuple[Ran, CompactResult]]] = defaultdict(list)
    for ran in (finished[id(j)] for j in jobs if id(j) in finished):
        # A request without a number loaded its monitor (`should_run`): numbered as it is now.
        seq = numbering.ensure_numbered(ran.monitor) if ran.job.seq is None else int(ran.job.seq)
        if seq is None:   # deleted while it was checked: nothing to record
            continue
        shard, index = result_batches.shard_of(ran.job.account_id, seq)
        ran.place = (shard, ran.job.region, index)
        members[(shard, ran.job.slot // 60, ran.job.region)].append(
            (ran, recording.compact_of(index, ran.job.slot, ran.result, checked_at)))
    written: list[Written] = []
    for (shard, minute, region), pairs in members.items():
        keep = timedelta(days=retention_days(pairs[0][0].job.account_id))
        compact = [c for _, c in pairs]
        stored = result_batches.put_minute(shard, minute, region, group, compact, now + keep)
        if stored:
            written += [(shard, region, c) for c in compact]
        for ran, _ in pairs:
            evaluate(ran, stored)
    return written


def update_heads(written: list[Written]) -> dict[tuple[str, str, int], bool | None]:
    """Fold a batch's written results into their shard heads, one read and one conditional
    put per head touched (retried on a lost race). Returns, per written (shard, region, index),
    whether the head's last result before this batch was a pass (None: it had none, or the head
    could not be updated). A head left stale is logged and counted, not failed: the heads are a
    cache the rollup job recomputes."""
    by_head: dict[tuple[str, str, int], list[CompactResult]] = defaultdict(list)
    for shard, region, result in written:
        by_head[(shard, region, result_batches.head_part(result.index))].append(result)
    stale = 0
    before: dict[tuple[str, str, int], bool | None] = {}
    for (shard, region, part), fresh in by_head.items():
        entries = _update_head(shard, region, part, fresh)
        if entries is None:
            stale += 1
            log.warning("head %s %s %d not updated: left to the rollup job", shard, region, part)
        for result in fresh:
            entry = None if entries is None else entries.get(result.index)
            before[(shard, region, result.index)] = None if entry is None else entry.ok
    if stale:
        observability.emit_metrics({"HeadsNotUpdated": (stale, "Count")})
    return before


def _update_head(shard: str, region: str, part: int, fresh: list[CompactResult]
                 ) -> dict[int, HeadEntry] | None:
    """The head's entries as they were before `fresh` was folded in; None if not written."""
    try:
        for _ in range(HEAD_ATTEMPTS):
            head = result_batches.get_head(shard, region, part)
            entries = head.entries()
            if result_batches.put_head(head, recording.merged_head(entries, fresh)):
                return entries
    except Exception:
        log.exception("head %s %s %d could not be written", shard, region, part)
    return None


def process_batch(records: list[tuple[str, str]], deps_factory=None,
                  remaining_ms: int | None = None) -> dict:
    """Process (message id, body) pairs; returns the SQS partial batch response.
    `remaining_ms`: the Lambda's time left (None: no batch deadline)."""
    deadline = None if remaining_ms is None \
        else time.monotonic() + remaining_ms / 1000 - RECORD_MARGIN_SECONDS
    failed: set[str] = set()
    jobs_of: dict[str, list[CheckRequest]] = {}
    for message_id, body in records:
        try:
            jobs_of[message_id] = check_requests.decode(body)
        except (ValueError, KeyError, TypeError):
            log.exception("undecodable check message %s", message_id)
            failed.add(message_id)
    all_jobs = [j for jobs in jobs_of.values() for j in jobs]
    monitors = load_monitors([j for j in all_jobs if not j.carries_monitor])
    pairs = [(j, monitors.get((j.account_id, j.monitor_id))) for j in all_jobs]
    seconds = None if deadline is None else deadline - time.monotonic()
    ran, cut_off = asyncio.run(run_jobs_until([(j, m) for j, m in pairs if should_run(j, m)],
                                              seconds, deps_factory))
    emit_check_metrics(ran)
    failed |= requeue_cut_off(cut_off, jobs_of, runtime.clock.time())
    by_job = {id(r.job): r for r in ran}
    retention: dict[str, int] = {}   # one account read per account per batch

    def retention_days(account_id: str) -> int:
        if account_id not in retention:
            retention[account_id] = results.retention_days_of(account_id)
        return retention[account_id]

    now = runtime.clock.now()
    written: list[Written] = []
    # (message, result, stored): evaluated once the heads tell what came before each result
    recorded: list[tuple[str, Ran, bool]] = []
    for message_id, jobs in jobs_of.items():
        try:
            written += record_message(jobs, by_job, retention_days, now,
                                      lambda r, stored, m=message_id: recorded.append((m, r, stored)))
        except Exception:
            log.exception("could not record results of message %s", message_id)
            failed.add(message_id)
    before = update_heads(written)
    for _, r, _ in recorded:
        r.after_pass = before.get(r.place) if r.place is not None else None
    load_surprising([r for _, r, _ in recorded])
    for message_id, r, stored in recorded:
        try:
            evaluate_surprise(r, stored)
        except Exception:   # the redelivery evaluates it again (`evaluate_surprise`)
            log.exception("could not evaluate a result of message %s", message_id)
            failed.add(message_id)
    return {"batchItemFailures": [{"itemIdentifier": m} for m in sorted(failed)]}


def requeue_cut_off(cut_off: list[CheckRequest], jobs_of: dict[str, list[CheckRequest]],
                    now_epoch: float) -> set[str]:
    """Send the checks the deadline cut off to the slow lane; the messages to fail instead (so
    SQS redelivers them) when that send fails: a cut-off check is never dropped. Except once
    its slot is stale (older than the scheduler would ever send): a run then says nothing about
    the slot, which stays unknown — logged and counted, and the loop a deadline shorter than
    the check's timeout would make ends."""
    stale = [j for j in cut_off if not check_requests.is_fresh(j, now_epoch)]
    if stale:
        log.warning("batch deadline: %d cut-off checks have stale slots: unknown, not re-queued",
                    len(stale))
        observability.emit_metrics({"ChecksAbandoned": (len(stale), "Count")})
    cut_off = [j for j in cut_off if check_requests.is_fresh(j, now_epoch)]
    if not cut_off:
        return set()
    for region in {j.region for j in cut_off}:
        observability.emit_metrics({"ChecksCutOff": (sum(j.region == region for j in cut_off),
                                                     "Count")}, {"Region": region})
    try:
        slow_lane.requeue(cut_off)
        log.warning("batch deadline: %d checks cut off, re-queued to the slow lane", len(cut_off))
        return set()
    except Exception:
        log.exception("could not re-queue %d cut-off checks: their messages fail", len(cut_off))
        cut = {id(j) for j in cut_off}
        return {m for m, jobs in jobs_of.items() if any(id(j) in cut for j in jobs)}


def emit_check_metrics(ran: list[Ran]) -> None:
    """Checks run, failed and their latencies, per region (never per monitor)."""
    by_region: dict[str, list[Ran]] = {}
    for r in ran:
        by_region.setdefault(r.job.region, []).append(r)
    for region, group in by_region.items():
        dims = {"Region": region}
        observability.emit_metrics({"ChecksRun": (len(group), "Count"),
                                    "ChecksFailed": (sum(not r.result.ok for r in group), "Count")},
                                   dims)
        latencies = [r.result.response_time_ms for r in group
                     if r.result.response_time_ms is not None]
        if latencies:
            observability.emit_values("CheckLatency", latencies, "Milliseconds", dims)


def _make_handler(name: str):
    def handler(event):
        observability.bind_request_id(event.context)
        remaining = getattr(event.context, "get_remaining_time_in_millis", None)
        return process_batch([(r.to_dict()["messageId"], r.body) for r in event],
                             remaining_ms=remaining() if remaining else None)

    handler.__name__ = name
    return handler


# The slow lane's batches are small: each of its checks may take its whole timeout.
SLOW_LANE_BATCH_SIZE = 2

for _region in settings.check_regions:
    for _name, _queue, _size in (
            (f"check_worker_{_region.lower()}", check_requests.queue_name(_region), 10),
            (f"check_worker_{_region.lower()}_slow", check_requests.slow_queue_name(_region),
             SLOW_LANE_BATCH_SIZE)):
        # Module attribute too: Lambda resolves handlers by module path and name, and calls
        # them with (event, context) — so the attribute must be Chalice's wrapper.
        globals()[_name] = bp.on_sqs_message(queue=_queue, batch_size=_size)(_make_handler(_name))

