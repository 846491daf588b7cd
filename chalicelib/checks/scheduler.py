"""The scheduler: every minute, send the checks of the coming minute to the region queues.

It works one minute ahead, so every check can be delayed to its exact second within the minute
(SQS DelaySeconds) however late the tick itself runs. A cursor records the last minute sent: a
late tick catches up (at most MAX_CATCH_UP_MINUTES), a doubled tick finds nothing left to send,
and a crash between sending and moving the cursor only resends jobs the worker will dedupe.
"""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

import json

from chalicelib.bus import dispatch
from chalicelib.status import expectations
from chalicelib.kernel import observability
from chalicelib.checks import scheduling
from chalicelib.bus.dispatch import CheckJob
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.storage import control
from chalicelib.storage import monitors as monitor_store

bp = Blueprint(__name__)
log = logging.getLogger("enori.scheduler")
MAX_CATCH_UP_MINUTES = 10


def jobs_for_minute(minute: int, families: list[str]) -> list[CheckJob]:
    """Every check due in `minute`: one Query per interval family and shard. Each carries the
    verdict its monitor shows, the worker's expectation."""
    jobs = []
    for key in scheduling.keys_due(minute, families):
        for entry in monitor_store.due_entries(key):
            expect = expectations.expected_of(entry.status, json.loads(entry.state_json or "{}"))
            for offset in scheduling.run_offsets(key, minute, int(entry.offset_seconds or 0)):
                jobs.extend(CheckJob(entry.account_id, entry.monitor_id, minute * 60 + offset, r,
                                     expect=expect)
                            for r in entry.regions or [] if r in settings.check_regions)
    return jobs


def run_tick(now) -> dict:
    """Send every minute not yet sent, up to the coming one. Returns what it did."""
    state = control.scheduler_state()
    target = int(now.timestamp()) // 60 + 1
    previous = int(state.last_minute) if state.last_minute is not None else None
    first = target if previous is None else max(previous + 1, target - MAX_CATCH_UP_MINUTES + 1)
    families = sorted(state.families or [])
    sent = {"minutes": 0, "jobs": 0, "messages": 0}
    for minute in range(first, target + 1):
        jobs = jobs_for_minute(minute, families)
        sent["messages"] += dispatch.send_jobs(jobs, now.timestamp())
        if not control.advance_cursor(previous, minute):
            log.info("another tick already sent minute %s", minute)
            break
        previous = minute
        sent["minutes"] += 1
        sent["jobs"] += len(jobs)
    return sent


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def run_scheduler(event):
    sent = run_tick(runtime.clock.now())
    log.info("scheduler tick: %s", sent)
    # Emitted on every tick, zero included: its absence is the "silent scheduler" alarm.
    observability.emit_metrics({"ChecksDispatched": (sent["jobs"], "Count"),
                                "CheckMessagesSent": (sent["messages"], "Count")})
    return sent
