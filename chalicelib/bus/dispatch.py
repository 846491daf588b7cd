"""Check requests on their way to the region queues (their format: `check_requests`).

Requests of the same region and start second travel in one SQS message (up to
JOBS_PER_MESSAGE), sent ten messages per SendMessageBatch call. A second's requests are packed
by account (`pack`): an account's monitors of a second are mostly one result shard (a shard's
monitors share their second, `scheduling.phase_for`), and the worker writes one minute item per
shard and message, so the fewer messages an account's requests span, the fewer writes.
"""
from __future__ import annotations

import logging
import threading
from collections import defaultdict

from chalicelib.bus.check_requests import (CheckRequest, carried_config, decode, encode,
                                           encode_fitting, queue_name, queue_of)
from chalicelib.bus.queues import _queue_urls, queue_url, region_sqs, send_calls
from chalicelib.kernel.fanout import run_all
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import AWS_REGION_OF, settings

# What a sender needs, from here (the format and the URLs live below, for readers too).
__all__ = ["CheckRequest", "decode", "encode", "queue_name", "queue_url", "region_sqs", "runtime",
           "_queue_urls", "send_jobs", "send_fast", "enqueue_now"]

JOBS_PER_MESSAGE = 25
# A slow-lane message holds few checks: each may take its whole timeout.
SLOW_JOBS_PER_MESSAGE = 5
MAX_DELAY_SECONDS = 900
# The fast-failing client's: an unreachable region costs seconds, not minutes.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
TOTAL_ATTEMPTS = 2            # the first try and one retry

log = logging.getLogger("enori.dispatch")


def send_jobs(jobs: list[CheckRequest], now_epoch: float, sqs_of=region_sqs, pool=None) -> int:
    """Send jobs to their region queues, delayed until their slot; returns messages sent.
    `sqs_of(region)`: the client to send with (the scheduler's fail fast). `pool`: an Executor
    to send the SendMessageBatch calls side by side (None: one after another); either way it
    returns only once every call has finished, and raises if any failed."""
    groups: dict[tuple[str, str, int], list[CheckRequest]] = defaultdict(list)
    for job in jobs:
        groups[(job.region, queue_of(job), job.slot)].append(job)
    by_queue: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for (region, queue, slot), group in sorted(groups.items()):
        delay = min(MAX_DELAY_SECONDS, max(0, int(slot - now_epoch)))
        size = SLOW_JOBS_PER_MESSAGE if group[0].slow else JOBS_PER_MESSAGE
        for message in pack(group, size):
            for body in encode_fitting(message):
                by_queue[(region, queue)].append({"Id": str(len(by_queue[(region, queue)])),
                                                  "MessageBody": body, "DelaySeconds": delay})
    batches = []
    for (region, queue), entries in by_queue.items():
        sqs = sqs_of(region)
        url = queue_url(queue, region, sqs)
        batches += [(sqs, url, call) for call in send_calls(entries)]
    return sum(run_all(_send_batch, batches, pool))


def pack(jobs: list[CheckRequest], size: int) -> list[list[CheckRequest]]:
    """The jobs in messages of at most `size`, each account's together: its full messages
    first, then the accounts' remainders one after another, cut into messages. As few messages
    as cutting them all in a row, and an account of n jobs spans ceil(n / size) messages, one
    more at most when its remainder straddles two. Deterministic (by account and monitor)."""
    by_account: dict[str, list[CheckRequest]] = defaultdict(list)
    for job in sorted(jobs, key=lambda j: (j.account_id, j.monitor_id)):
        by_account[job.account_id].append(job)
    messages: list[list[CheckRequest]] = []
    remainders: list[CheckRequest] = []
    for account_jobs in by_account.values():
        full = len(account_jobs) - len(account_jobs) % size
        messages += [account_jobs[i:i + size] for i in range(0, full, size)]
        remainders += account_jobs[full:]
    return messages + [remainders[i:i + size] for i in range(0, len(remainders), size)]


def _send_batch(call: tuple) -> int:
    sqs, url, batch = call
    response = sqs.send_message_batch(QueueUrl=url, Entries=batch)
    if response.get("Failed"):
        # Losing a check silently is worse than failing the tick: raise so it is retried.
        raise RuntimeError(f"SQS refused {len(response['Failed'])} check messages: "
                           f"{response['Failed'][0].get('Message')}")
    return len(batch)


def enqueue_now(account_id: str, monitor_id: str, regions: list[str], now_epoch: float,
                config_json: str | None = None, seq: int | None = None) -> list[str]:
    """Check a monitor at once from each of its regions (check now, resume); the regions
    queued. Each region is sent on its own through the fast-failing client: one that cannot be
    reached is left out (and logged) and costs the request seconds, never the others' checks.
    `config_json` and `seq`: the monitor's, carried so the worker reads no monitor (without
    them it loads it)."""
    config = carried_config(config_json)
    seq = None if seq is None else int(seq)
    queued = []
    for region in dict.fromkeys(r for r in regions if r in settings.check_regions):
        job = CheckRequest(account_id, monitor_id, int(now_epoch), region, manual=True,
                           config=config, seq=seq)
        try:
            send_fast([job], now_epoch)
        except Exception as exc:  # noqa: BLE001 - any failure: this region only is left out
            log.warning("region %s: could not queue a check of %s now (%s: %s)",
                        region, monitor_id, type(exc).__name__, exc)
            continue
        queued.append(region)
    return queued


# ---- the fast-failing client: the scheduler's, and a check asked for now -------------------------------------------------------------

_clients: dict[str, object] = {}
_lock = threading.Lock()


def fast_sqs(region: str):
    """An SQS client for `region`'s queue that gives up quickly: connect within 2 s, one retry."""
    with _lock:
        if region not in _clients:
            import boto3
            from botocore.config import Config

            endpoint = settings.region_sqs_endpoints.get(region) or settings.aws_endpoint
            aws_region = settings.aws_region if settings.aws_endpoint \
                else AWS_REGION_OF.get(region, settings.aws_region)
            _clients[region] = boto3.client(
                "sqs", region_name=aws_region, endpoint_url=endpoint,
                config=Config(connect_timeout=CONNECT_TIMEOUT_SECONDS,
                              read_timeout=READ_TIMEOUT_SECONDS,
                              retries={"total_max_attempts": TOTAL_ATTEMPTS, "mode": "standard"}))
        return _clients[region]


def reset_clients() -> None:
    with _lock:
        _clients.clear()


def send_fast(jobs: list[CheckRequest], now_epoch: float, pool=None) -> int:
    """`send_jobs` through the fast clients, its calls side by side on `pool` (the queue URLs
    are looked up through them too: an unreachable region must not hang on its first lookup)."""
    return send_jobs(jobs, now_epoch, sqs_of=fast_sqs, pool=pool)
