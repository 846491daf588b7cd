"""The check worker: one SQS handler per region queue, running a batch's checks concurrently.

Per batch: load the monitors once (BatchGetItem), run every check on one asyncio loop with one
shared TLS context and a connection pool sized to the concurrency, then record the results.
A record fails alone (`batchItemFailures`) when it could not be processed — a bad body or a
failed write — never because a target is down (that is a result). Results are keyed by monitor,
slot and region, so a redelivered job writes nothing twice.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from chalice import Blueprint

from chalicelib.bus import check_requests
from chalicelib.status import evaluator, expectations
from chalicelib.kernel import observability
from chalicelib.checks import results
from chalicelib.checks.family import CheckDeps, CheckResult, run_check
from chalicelib.bus.check_requests import CheckJob
from chalicelib.monitors.models import parse_monitor
from chalicelib.kernel.netguard import OutboundGuard, make_http_client, make_ssl_context
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.storage.monitors import MonitorItem

bp = Blueprint(__name__)
log = logging.getLogger("enori.worker")
# Checks in flight per batch, and the connection pool's size. Measured (bench/checks.py): httpcore's
# pool bookkeeping grows with the square of the pool, so 100 was ~100x slower than a raw client
# while 10-20 runs within 20% of it; a batch holds at most 250 checks.
CONCURRENCY = 16


@dataclass
class Ran:
    job: CheckJob
    monitor: MonitorItem
    result: CheckResult


def load_monitors(jobs: list[CheckJob]) -> dict[tuple[str, str], MonitorItem]:
    keys = list({(j.account_id, j.monitor_id) for j in jobs})
    return {(m.account_id, m.monitor_id): m for m in MonitorItem.batch_get(keys)}


def should_run(job: CheckJob, monitor: MonitorItem | None) -> bool:
    """Deleted monitors are skipped; paused ones too unless the check was asked for by hand."""
    return monitor is not None and monitor.type != "Job" and (job.manual or not monitor.paused)


_ssl_context = None


def shared_ssl_context():
    """One TLS context per process: building one costs tens of milliseconds, and a warm Lambda
    reuses it for every batch."""
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = make_ssl_context()
    return _ssl_context


async def run_jobs(pairs: list[tuple[CheckJob, MonitorItem]], deps_factory=None) -> list[Ran]:
    guard = OutboundGuard(allow_private=settings.allow_private_targets)
    async with make_http_client(guard, max_connections=CONCURRENCY,
                                ssl_context=shared_ssl_context()) as client:
        deps = (deps_factory or default_deps)(guard, client)
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(job: CheckJob, monitor: MonitorItem) -> Ran:
            async with limit:
                return Ran(job, monitor, await check_monitor(monitor, deps))

        return list(await asyncio.gather(*(one(j, m) for j, m in pairs)))


async def check_monitor(monitor: MonitorItem, deps: CheckDeps) -> CheckResult:
    try:
        config = parse_monitor(monitor.config)
    except ValueError as exc:  # a stored config that no longer validates is a clear failure
        return CheckResult(ok=False, error=f"invalid monitor configuration: {exc}",
                           error_code="INVALID_CONFIG")
    return await run_check(config, deps)


def default_deps(guard: OutboundGuard, client) -> CheckDeps:
    return CheckDeps(guard=guard, http_client=client, clock=runtime.clock,
                     ping_mode=settings.ping_mode)


def is_expected(ran: Ran) -> bool:
    """Whether the result agrees with its request's expectation and with the verdict the
    monitor shows now (loaded for the batch anyway): then the state is neither read nor written
    (chalicelib/status/expectations.py). The request's expectation is a minute old; a region that went
    Down since must still see its recovery evaluated, with no later surprise to bring it back."""
    shown = expectations.expected_of(ran.monitor.status, ran.monitor.state)
    return all(expectations.agrees(expect, ran.job.region, ran.result.ok,
                                   ran.result.ssl_days_left, ran.monitor.config)
               for expect in (ran.job.expect, shown))


def record(ran: Ran, retention_days: int) -> None:
    """Store a result and, unless it agrees with its expectation, evaluate it, each once. A
    redelivered job whose result is already stored is still evaluated if the state has not
    counted it: the first delivery may have failed between the two writes (a throttled
    commit), and skipping it would lose the slot."""
    now = runtime.clock.now()
    job = ran.job
    stored = results.record_result(ran.monitor, ran.result, job.region, job.slot, now,
                                   retention_days=retention_days)
    if is_expected(ran):
        return
    if stored or not evaluator.has_counted(ran.monitor, job.slot, job.region):
        evaluator.evaluate_result(ran.monitor, job.slot, job.region, ran.result)


def process_batch(records: list[tuple[str, str]], deps_factory=None) -> dict:
    """Process (message id, body) pairs; returns the SQS partial batch response."""
    failed: set[str] = set()
    jobs_of: dict[str, list[CheckJob]] = {}
    for message_id, body in records:
        try:
            jobs_of[message_id] = check_requests.decode(body)
        except (ValueError, KeyError, TypeError):
            log.exception("undecodable check message %s", message_id)
            failed.add(message_id)
    all_jobs = [j for jobs in jobs_of.values() for j in jobs]
    monitors = load_monitors(all_jobs) if all_jobs else {}
    pairs = [(j, monitors.get((j.account_id, j.monitor_id))) for j in all_jobs]
    ran = asyncio.run(run_jobs([(j, m) for j, m in pairs if should_run(j, m)], deps_factory))
    emit_check_metrics(ran)
    by_job = {id(r.job): r for r in ran}
    retention: dict[str, int] = {}   # one account read per account per batch
    for message_id, jobs in jobs_of.items():
        try:
            for job in jobs:
                if id(job) in by_job:
                    if job.account_id not in retention:
                        retention[job.account_id] = results.retention_days_of(job.account_id)
                    record(by_job[id(job)], retention[job.account_id])
        except Exception:
            log.exception("could not record results of message %s", message_id)
            failed.add(message_id)
    return {"batchItemFailures": [{"itemIdentifier": m} for m in sorted(failed)]}


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


def _make_handler(region: str):
    def handler(event):
        observability.bind_request_id(event.context)
        return process_batch([(r.to_dict()["messageId"], r.body) for r in event])

    handler.__name__ = f"check_worker_{region.lower()}"
    return handler


for _region in settings.check_regions:
    _handler = _make_handler(_region)
    # Module attribute too: Lambda resolves handlers by module path and name, and calls them with
    # (event, context) — so the attribute must be Chalice's wrapper, not the bare function.
    globals()[_handler.__name__] = bp.on_sqs_message(
        queue=check_requests.queue_name(_region), batch_size=10)(_handler)

