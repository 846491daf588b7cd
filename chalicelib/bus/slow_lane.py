"""The slow lane: a second check queue per region, so healthy batches never wait on checks
that may run their whole timeout.

Two kinds of checks travel there: those of monitors that are failing (the scheduler routes a
Down monitor's checks, `CheckRequest.slow`), and those a batch's deadline cut off before they ended.
A cut-off check is unknown for its slot (nothing recorded, never Down) and is sent here to run
again with the same slot, so its result keeps its idempotency key and is never lost.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from chalicelib.bus.check_requests import CheckRequest, encode_fitting, slow_queue_name
from chalicelib.bus.queues import queue_url, region_sqs, send_calls

JOBS_PER_MESSAGE = 5


def requeue(jobs: list[CheckRequest]) -> int:
    """Send `jobs` to their regions' slow lanes at once; returns messages sent. Raises when SQS
    refuses any (the caller then fails their messages, and SQS redelivers them)."""
    by_region: dict[str, list[CheckRequest]] = defaultdict(list)
    for job in jobs:
        by_region[job.region].append(replace(job, slow=True))
    sent = 0
    for region, group in by_region.items():
        bodies = [body for start in range(0, len(group), JOBS_PER_MESSAGE)
                  for body in encode_fitting(group[start:start + JOBS_PER_MESSAGE])]
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies)]
        url = queue_url(slow_queue_name(region), region)
        for call in send_calls(entries):     # ten at most, and within SQS's payload
            response = region_sqs(region).send_message_batch(QueueUrl=url, Entries=call)
            if response.get("Failed"):
                raise RuntimeError(f"SQS refused {len(response['Failed'])} re-queued checks")
        sent += len(entries)
    return sent
