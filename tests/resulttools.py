"""Recording a check result in a test as the worker records it (E16 point 3): a minute item
of the monitor's result shard and its head, nothing evaluated (the caller evaluates, as it
did after the per-check `record_result` this replaces)."""
from __future__ import annotations


def record_result(monitor, result, region: str, slot: int, now,
                  retention_days: int = 30) -> bool:
    """Store one result as a message of its own; False, nothing written, if that message's
    results were stored already (the same monitor, slot and region)."""
    from chalicelib.bus.check_requests import CheckRequest
    from chalicelib.checks import worker

    job = CheckRequest(monitor.account_id, monitor.monitor_id, int(slot), region)
    written = worker.record_message([job], {id(job): worker.Ran(job, monitor, result)},
                                    lambda _: retention_days, now,
                                    evaluate=lambda ran, stored: None)
    worker.update_heads(written)
    return bool(written)


def minute_results(monitor, region: str | None = None) -> list:
    """The monitor's recorded results as (region, `CompactResult`) pairs, oldest minute first,
    read from its shard's minute items (every minute, whatever the test's slots)."""
    from chalicelib.storage import result_batches
    from chalicelib.storage.monitors import get_monitor

    stored = get_monitor(monitor.account_id, monitor.monitor_id)
    seq = stored.result_seq if stored is not None else monitor.result_seq
    if seq is None:
        return []
    shard, index = result_batches.shard_of(monitor.account_id, int(seq))
    items = result_batches.minutes_between(shard, 0, result_batches.LAST_MINUTE,
                                           newest_first=False, region=region)
    return [(item.region, r) for item in items for r in item.results() if r.index == index]


def record_run(ran, retention_days: int = 30) -> None:
    """A worker's `Ran` recorded and, if it surprises its expectation, evaluated: the
    worker's record phase for a message holding that one request."""
    from chalicelib.checks import worker
    from chalicelib.kernel.runtime import runtime

    written = worker.record_message([ran.job], {id(ran.job): ran}, lambda _: retention_days,
                                    runtime.clock.now())
    worker.update_heads(written)
