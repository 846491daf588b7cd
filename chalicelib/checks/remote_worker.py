"""The check worker of a remote region (E16 point 5): runs its checks and sends the results home.

A region whose queue is in another AWS region than the home one (`Settings.runs_remote`) never
calls DynamoDB: a cross-region call per check was most of its time and cost. It runs the batch
as the home worker does (`runner`: same deadline, cut-off checks to its slow lane), then sends
each message's requests and results to the home results queue in one `SendMessageBatch`
(`bus/check_results.py`), where the home worker records and evaluates them as its own
(`worker.record_remote_results`). Its role may consume its queues, send to its slow lane and to
the results queue, nothing else (infra/region_stack.py): this module imports no storage.

A message whose results could not be sent fails (`batchItemFailures`): SQS redelivers it, and
the home side's recording is idempotent (the minute item is keyed by the message's requests).
A request that does not carry its monitor's configuration cannot run without a read: it is
counted unknown for its slot (logged and `ChecksUnknown`), not forwarded. Such requests come
only from a scheduler older than carried configurations (across an upgrade, for a minute):
every valid configuration fits CARRIED_CONFIG_BYTES. Forwarding them home would only make the
home region check them as if from here.
"""
from __future__ import annotations

import asyncio
import logging
import time

from chalice import Blueprint

from chalicelib.bus import check_results, result_sender
from chalicelib.bus.check_requests import CheckRequest
from chalicelib.checks.family import CheckResult
from chalicelib.checks.runner import (batch_deadline, batch_response, decode_batch,
                                      emit_check_metrics, requeue_cut_off, run_jobs_until,
                                      worker_handlers)
from chalicelib.kernel import observability
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.status.expectations import agreement_config

bp = Blueprint(__name__)
log = logging.getLogger("enori.worker")


def process_remote_batch(records: list[tuple[str, str]], deps_factory=None,
                         remaining_ms: int | None = None) -> dict:
    """Run a batch's checks and send their results home; returns the SQS partial batch
    response (the messages undecodable, whose cut-off checks could not be re-queued, or whose
    results could not be sent)."""
    deadline = batch_deadline(remaining_ms)
    jobs_of, failed = decode_batch(records)
    all_jobs = [j for jobs in jobs_of.values() for j in jobs]
    runnable = [j for j in all_jobs if j.carries_monitor]
    if len(runnable) < len(all_jobs):
        unknown = len(all_jobs) - len(runnable)
        log.warning("%d requests carry no configuration: unknown for their slots", unknown)
        observability.emit_metrics({"ChecksUnknown": (unknown, "Count")})
    seconds = None if deadline is None else deadline - time.monotonic()
    ran, cut_off = asyncio.run(run_jobs_until([(j, None) for j in runnable], seconds,
                                              deps_factory))
    emit_check_metrics(ran)
    failed |= requeue_cut_off(cut_off, jobs_of, runtime.clock.time())
    failed |= send_home(jobs_of, {id(r.job): r.result for r in ran}, int(runtime.clock.time()))
    return batch_response(failed)


def send_home(jobs_of: dict[str, list[CheckRequest]], result_of: dict[int, CheckResult],
              checked_at: int) -> set[str]:
    """Each message's requests and finished results (by `id(request)`) to the home results
    queue; returns the messages whose results SQS did not take."""
    groups = [(message_id, check_results.encode_group(
        jobs, {i: result_of[id(j)] for i, j in enumerate(jobs) if id(j) in result_of},
        checked_at, agreement_config)) for message_id, jobs in jobs_of.items()]
    if not groups:
        return set()
    try:
        failed = result_sender.send(groups)
    except Exception:
        log.exception("could not send the results of %d messages home", len(groups))
        return {m for m, _ in groups}
    if failed:
        log.error("the results queue refused the results of %d messages: they fail",
                  len(failed))
    return failed


globals().update(worker_handlers(
    bp, [r for r in settings.check_regions if settings.runs_remote(r)], process_remote_batch))
