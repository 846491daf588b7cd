"""The check worker of the home region's check regions, and the recorder of every region's
results: one SQS handler per home region queue, running a batch's checks concurrently
(`runner`), and the results queue's handler, recording and evaluating what remote regions
checked (`record_remote_results`, `bus/check_results.py`, E16 point 5) by the same record phase
(`record_and_evaluate`). A remote region's worker is `remote_worker`: it reaches no table.

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
touch are updated, once per head and batch, all read in one BatchGetItem (a cache of the
minute items: a head that cannot be written is logged and counted, never a failed message),
and results that surprise their request's expectation are evaluated. Nothing is written per check.

A batch has a deadline: the Lambda's remaining time less RECORD_MARGIN_SECONDS to record. What
finished by then is recorded; a check still running is cut off, unknown for its slot (nothing
recorded: never Down) and sent to the slow lane to run again (`slow_lane`).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Callable

from chalice import Blueprint

from chalicelib.bus import check_results
from chalicelib.status import evaluator, expectations
from chalicelib.kernel import observability
from chalicelib.checks import recording, results
from chalicelib.checks.family import CheckResult
from chalicelib.checks.runner import (Ran, batch_deadline, batch_response, config_of,
                                      decode_batch, emit_check_metrics, requeue_cut_off,
                                      run_jobs_until, worker_handlers)
from chalicelib.monitors import numbering
from chalicelib.bus.check_requests import CheckRequest
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.kernel.vocabulary import MonitorType
from chalicelib.status.state_machine import Observation, Transition
from chalicelib.storage import result_batches
from chalicelib.storage.monitors import MonitorItem
from chalicelib.storage.result_batches import CompactResult, HeadEntry

bp = Blueprint(__name__)
log = logging.getLogger("enori.worker")


# Tries of a head's read-and-conditional-put before it is left to the rollup job.
HEAD_ATTEMPTS = 3


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
    """Fold a batch's written results into their shard heads: ONE BatchGetItem (consistent) of
    every head touched, then one conditional put per head (a lost race re-reads that head and
    retries). Returns, per written (shard, region, index), whether the head's last result
    before this batch was a pass (None: it had none, or the head could not be updated). A head
    left stale is logged and counted, not failed: the heads are a cache the rollup job
    recomputes."""
    by_head: dict[tuple[str, str, int], list[CompactResult]] = defaultdict(list)
    for shard, region, result in written:
        by_head[(shard, region, result_batches.head_part(result.index))].append(result)
    try:
        read = result_batches.heads_for_update(by_head)
    except Exception:
        log.exception("the heads of a batch could not be read: each is read again")
        read = {}
    stale = 0
    before: dict[tuple[str, str, int], bool | None] = {}
    for (shard, region, part), fresh in by_head.items():
        entries = _update_head(shard, region, part, fresh, read.get((shard, region, part)))
        if entries is None:
            stale += 1
            log.warning("head %s %s %d not updated: left to the rollup job", shard, region, part)
        for result in fresh:
            entry = None if entries is None else entries.get(result.index)
            before[(shard, region, result.index)] = None if entry is None else entry.ok
    if stale:
        observability.emit_metrics({"HeadsNotUpdated": (stale, "Count")})
    return before


def _update_head(shard: str, region: str, part: int, fresh: list[CompactResult],
                 head: result_batches.ShardHeadItem | None) -> dict[int, HeadEntry] | None:
    """The head's entries as they were before `fresh` was folded in; None if not written.
    `head`: as the batch read it (None: read it here); a lost race reads it again."""
    try:
        for _ in range(HEAD_ATTEMPTS):
            if head is None:
                head = result_batches.get_head(shard, region, part)
            entries = head.entries()
            if result_batches.put_head(head, recording.merged_head(entries, fresh)):
                return entries
            head = None
    except Exception:
        log.exception("head %s %s %d could not be written", shard, region, part)
    return None


def process_batch(records: list[tuple[str, str]], deps_factory=None,
                  remaining_ms: int | None = None) -> dict:
    """Process (message id, body) pairs; returns the SQS partial batch response.
    `remaining_ms`: the Lambda's time left (None: no batch deadline)."""
    deadline = batch_deadline(remaining_ms)
    jobs_of, failed = decode_batch(records)
    all_jobs = [j for jobs in jobs_of.values() for j in jobs]
    monitors = load_monitors([j for j in all_jobs if not j.carries_monitor])
    pairs = [(j, monitors.get((j.account_id, j.monitor_id))) for j in all_jobs]
    seconds = None if deadline is None else deadline - time.monotonic()
    ran, cut_off = asyncio.run(run_jobs_until([(j, m) for j, m in pairs if should_run(j, m)],
                                              seconds, deps_factory))
    emit_check_metrics(ran)
    failed |= requeue_cut_off(cut_off, jobs_of, runtime.clock.time())
    by_job = {id(r.job): r for r in ran}
    now = runtime.clock.now()
    failed |= record_and_evaluate([(m, jobs, by_job, now) for m, jobs in jobs_of.items()])
    return batch_response(failed)


def record_and_evaluate(units: list[tuple[str, list[CheckRequest], dict[int, Ran], datetime]]
                        ) -> set[str]:
    """The record phase of a batch, for this worker's checks and for remote regions' alike:
    per (message id, its requests, their finished checks by `id(request)`, when checked) one
    `record_message`, then the heads, then the surprising results evaluated. Returns the
    messages that failed (a message may bring several units: a results message)."""
    failed: set[str] = set()
    retention: dict[str, int] = {}   # one account read per account per batch

    def retention_days(account_id: str) -> int:
        if account_id not in retention:
            retention[account_id] = results.retention_days_of(account_id)
        return retention[account_id]

    written: list[Written] = []
    # (message, result, stored): evaluated once the heads tell what came before each result
    recorded: list[tuple[str, Ran, bool]] = []
    for message_id, jobs, by_job, now in units:
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
    return failed


def record_remote_results(records: list[tuple[str, str]]) -> dict:
    """Record and evaluate what remote regions checked (`bus/check_results.py`), exactly as
    this worker does its own checks (`record_and_evaluate`); a message that cannot be decoded,
    recorded or evaluated fails alone, and its redelivery writes nothing twice."""
    failed: set[str] = set()
    units: list[tuple[str, list[CheckRequest], dict[int, Ran], datetime]] = []
    for message_id, body in records:
        try:
            groups = check_results.decode(body)
        except (ValueError, KeyError, TypeError):
            log.exception("undecodable results message %s", message_id)
            failed.add(message_id)
            continue
        for group in groups:
            finished = {id(group.jobs[i]): Ran(group.jobs[i], None, CheckResult(**fields))
                        for i, fields in group.results.items()}
            units.append((message_id, group.jobs, finished,
                          datetime.fromtimestamp(group.checked_at, timezone.utc)))
    failed |= record_and_evaluate(units)
    log.info("recorded the remote results of %d check messages (%d failed)", len(units),
             len(failed))
    return batch_response(failed)


globals().update(worker_handlers(
    bp, [r for r in settings.check_regions if not settings.runs_remote(r)], process_batch))


@bp.on_sqs_message(queue=check_results.queue_name(), batch_size=10)
def remote_results(event):
    observability.bind_request_id(event.context)
    return record_remote_results([(r.to_dict()["messageId"], r.body) for r in event])
