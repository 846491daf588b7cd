"""Running a batch's checks, with no storage: what every region's worker does before it records.

The home worker (`worker`) records and evaluates what ran here; a remote region's worker
(`remote_worker`) sends it home instead and must reach no table (its role has no DynamoDB
grant, derived from the modules it imports: infra/access.py), so this module imports none.

Per batch: run every check on one asyncio loop with one shared TLS context and HTTP clients
sized to the concurrency (aiohttp for Website checks, httpx for the rest), under the batch's
deadline; a check still running then is cut off,
unknown for its slot (nothing recorded: never Down) and sent to the slow lane to run again
(`slow_lane`).
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from chalicelib.bus import check_requests, slow_lane
from chalicelib.bus.check_requests import CheckRequest
from chalicelib.checks.family import CheckDeps, CheckResult, run_check
from chalicelib.kernel import observability
from chalicelib.kernel.netguard import OutboundGuard, make_http_client, make_ssl_context
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.monitors.models import parse_monitor

log = logging.getLogger("enori.worker")


def concurrency_for(memory_mb: int) -> int:
    """Checks in flight per batch (and the connection pool's size) for a function of this
    memory; Lambda's CPU share grows with it (1,769 MB is one vCPU). As many as keep the CPU
    under ~40 % busy at a 300 ms check, so a starved CPU never adds to a response time:
    in flight <= 0.4 x vCPU x 0.3 s / CPU per check.
    Measured (bench/checks.py --quick, keep-alive off as the worker runs, 2026-11-30): a Website
    check on aiohttp costs ~0.55 ms of CPU whatever the number in flight (0.58, 0.54, 0.55 and
    0.47 ms at 16, 64, 128 and 250 against a 50 ms target; 989 checks/s at 128 against 728 at
    64), so 32 per 256 MB, at most 128 (1,024 MB: 0.58 vCPU, 128 x 0.55 ms / 0.3 s = 40 %).
    On httpx a check cost ~1.1 ms and the same rule gave 16 per 256 MB, at most 64. A batch's
    Lambda time, what a check costs, falls with the checks in flight."""
    return max(16, min(128, 32 * int(memory_mb) // 256))


CONCURRENCY = concurrency_for(int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")))
# Kept back from the Lambda's remaining time to record a batch's results and re-queue the rest.
RECORD_MARGIN_SECONDS = 30


@dataclass
class Ran:
    job: CheckRequest
    # The MonitorItem (not imported: the remote worker reaches no storage module, so its role
    # has no table). None: not loaded (the request carried what the check needed), or gone
    # when it was wanted
    monitor: Any
    result: CheckResult
    # Where it was recorded (shard, region, index), and whether the result before it there, in
    # the shard's head, was a pass (None: no result before it, or the head could not be read)
    place: tuple[str, str, int] | None = None
    after_pass: bool | None = None


def config_of(job: CheckRequest, monitor: Any) -> dict:
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


async def run_jobs(pairs: list[tuple[CheckRequest, Any]], deps_factory=None
                   ) -> list[Ran]:
    return (await run_jobs_until(pairs, None, deps_factory))[0]


async def run_jobs_until(pairs: list[tuple[CheckRequest, Any]],
                         seconds: float | None, deps_factory=None
                         ) -> tuple[list[Ran], list[CheckRequest]]:
    """Run the checks for at most `seconds` (None: until all end); returns what finished and
    the jobs cut off (still running, or not started, at the deadline)."""
    from chalicelib.kernel.netguard_aio import make_web_client   # aiohttp: see website._aio

    guard = OutboundGuard(allow_private=settings.allow_private_targets)
    async with make_http_client(guard, max_connections=CONCURRENCY,
                                ssl_context=shared_ssl_context(), keepalive=False) as client, \
            make_web_client(guard, CONCURRENCY, ssl_context=shared_ssl_context()) as web_client:
        deps = (deps_factory or default_deps)(guard, client, web_client)
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(job: CheckRequest, monitor: Any) -> Ran:
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


def default_deps(guard: OutboundGuard, client, web_client) -> CheckDeps:
    return CheckDeps(guard=guard, http_client=client, web_client=web_client,
                     clock=runtime.clock, ping_mode=settings.ping_mode)
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




def batch_deadline(remaining_ms: int | None) -> float | None:
    """The monotonic time a batch's checks must end by: the Lambda's remaining time less
    RECORD_MARGIN_SECONDS to record or send them (None: no deadline)."""
    return None if remaining_ms is None \
        else time.monotonic() + remaining_ms / 1000 - RECORD_MARGIN_SECONDS


def decode_batch(records: list[tuple[str, str]]) -> tuple[dict[str, list[CheckRequest]], set[str]]:
    """(message id, body) pairs as each message's requests, and the messages that failed to
    decode (they fail alone)."""
    failed: set[str] = set()
    jobs_of: dict[str, list[CheckRequest]] = {}
    for message_id, body in records:
        try:
            jobs_of[message_id] = check_requests.decode(body)
        except (ValueError, KeyError, TypeError):
            log.exception("undecodable check message %s", message_id)
            failed.add(message_id)
    return jobs_of, failed


def batch_response(failed: set[str]) -> dict:
    """SQS's partial batch response: only these messages come back."""
    return {"batchItemFailures": [{"itemIdentifier": m} for m in sorted(failed)]}


# The slow lane's batches are small: each of its checks may take its whole timeout.
SLOW_LANE_BATCH_SIZE = 2
# process(records, remaining_ms=...): a worker's batch, returning the partial batch response
Process = Callable[..., dict]


def _make_handler(name: str, process: Process):
    def handler(event):
        observability.bind_request_id(event.context)
        remaining = getattr(event.context, "get_remaining_time_in_millis", None)
        return process([(r.to_dict()["messageId"], r.body) for r in event],
                       remaining_ms=remaining() if remaining else None)

    handler.__name__ = name
    return handler


def worker_handlers(bp, regions: list[str], process: Process) -> dict[str, Any]:
    """`process` registered on `bp` for each region's check queue and slow lane, by handler
    name. The caller makes them module attributes too: Lambda resolves handlers by module path
    (the blueprint's) and name, and calls them with (event, context) — so the attribute must
    be Chalice's wrapper. Home and remote regions register from different modules
    (`worker`, `remote_worker`), so each function's grants follow what it imports."""
    handlers = {}
    for region in regions:
        for name, queue, size in (
                (f"check_worker_{region.lower()}", check_requests.queue_name(region), 10),
                (f"check_worker_{region.lower()}_slow", check_requests.slow_queue_name(region),
                 SLOW_LANE_BATCH_SIZE)):
            handlers[name] = bp.on_sqs_message(queue=queue, batch_size=size)(
                _make_handler(name, process))
    return handlers
