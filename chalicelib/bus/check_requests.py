"""The check request: what the scheduler sends to a region's queue and its worker reads.

A request names a monitor, a slot (the second it is scheduled for) and a region: that triple is
the idempotency key of the result it produces. It also carries what the worker needs to run the
check and record its result (the monitor's configuration and number), so a check reads no
monitor. Reading requests needs this module only; sending them is `dispatch`'s, so a worker that
only reads is granted no send (infra/access.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.kernel.settings import settings


@dataclass(frozen=True)
class CheckRequest:
    account_id: str
    monitor_id: str
    slot: int        # epoch second the check is scheduled for
    region: str
    manual: bool = False
    slow: bool = False    # in the region's slow lane (a failing monitor, or cut off once)
    # The verdict the monitor showed when the request was made (`expectations.expected_of`);
    # a result agreeing with it is not evaluated. None: evaluate whatever comes.
    expect: dict[str, Any] | None = None
    # The monitor's validated configuration as stored (snake_case, `MonitorItem.config`) and its
    # number (`result_seq`): the worker checks and records from them without reading the
    # monitor. None: a request sent without them (a message from before they were carried, a
    # monitor not numbered yet): the worker loads it.
    config: dict[str, Any] | None = None
    seq: int | None = None

    @property
    def carries_monitor(self) -> bool:
        return self.config is not None and self.seq is not None


# A request carries its monitor's configuration up to this size: every valid one (a typical one
# is ~700 bytes; a request body alone may be 64 KB), since a remote region's worker cannot load
# one it lacks (E16 point 5). A message holding large ones is cut to fit (`encode_fitting`).
CARRIED_CONFIG_BYTES = 128 * 1024
# A message body's bound, inside SQS's 256 KB with room for its attributes.
MESSAGE_BYTES = 240 * 1024


def carried_config(config_json: str | None) -> dict[str, Any] | None:
    """The configuration a request carries, from the stored JSON; None if none or too large."""
    if not config_json or len(config_json.encode("utf-8")) > CARRIED_CONFIG_BYTES:
        return None
    return json.loads(config_json)


def queue_name(region: str) -> str:
    return settings.queue_name(f"checks-{region.lower()}")


# A check run more than this after its slot says nothing about the slot: never sent, never
# re-queued (the scheduler, the worker's batch deadline).
STALE_AFTER_SECONDS = 120


def is_fresh(job: CheckRequest, now_epoch: float) -> bool:
    return job.slot >= now_epoch - STALE_AFTER_SECONDS


def slow_queue_name(region: str) -> str:
    """The region's slow lane: checks that may run long, so healthy batches never wait on them."""
    return settings.queue_name(f"checks-{region.lower()}-slow")


def queue_of(job: CheckRequest) -> str:
    return slow_queue_name(job.region) if job.slow else queue_name(job.region)


def encode(jobs: list[CheckRequest]) -> str:
    # A request's fields as they are (`vars`), not `dataclasses.asdict`: that deep-copies each
    # expectation first, a third of a 100,000-monitor tick's CPU (bench/scheduler_scale.py).
    return json.dumps({"jobs": [vars(j) for j in jobs]}, separators=(",", ":"))


def encode_fitting(jobs: list[CheckRequest], max_bytes: int = MESSAGE_BYTES) -> list[str]:
    """The jobs as message bodies of at most `max_bytes` each: one body, unless the requests'
    carried configurations make it larger; then halves, cut again until each fits."""
    body = encode(jobs)
    if len(jobs) < 2 or len(body.encode("utf-8")) <= max_bytes:
        return [body]
    middle = len(jobs) // 2
    return encode_fitting(jobs[:middle], max_bytes) + encode_fitting(jobs[middle:], max_bytes)


def decode(body: str) -> list[CheckRequest]:
    # Fields a request lacks take their defaults: messages sent before a field existed (in
    # flight during a deploy) still decode.
    return [CheckRequest(**job) for job in json.loads(body)["jobs"]]
