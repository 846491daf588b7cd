"""The scheduler: every minute, send the checks of the coming minute to the region queues.

It works one minute ahead, so every check can be delayed to its exact second within the minute
(SQS DelaySeconds) however late the tick itself runs. Each check region has its own cursor, the
last minute sent to it (`region_dispatch`): a late tick catches up (never with slots more than
two minutes old), a doubled tick finds nothing left to send, a crash between sending and moving
the cursor only resends jobs the worker will dedupe, and a region that cannot be reached holds
back its own cursor only.
"""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

import json

from chalicelib.status import expectations
from chalicelib.kernel import observability
from chalicelib.checks import region_dispatch
from chalicelib.monitors import scheduling
from chalicelib.status import system_heartbeat
from chalicelib.bus.dispatch import CheckRequest
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.kernel.vocabulary import MonitorStatus
from chalicelib.storage import control
from chalicelib.storage import monitors as monitor_store

bp = Blueprint(__name__)
log = logging.getLogger("enori.scheduler")


def jobs_for_minute(minute: int, families: list[str]) -> list[CheckRequest]:
    """Every check due in `minute`: one Query per interval family and shard. Each carries the
    verdict its monitor shows, the worker's expectation."""
    jobs = []
    for key in scheduling.keys_due(minute, families):
        for entry in monitor_store.due_entries(key):
            expect = expectations.expected_of(entry.status, json.loads(entry.state_json or "{}"))
            for offset in scheduling.run_offsets(key, minute, int(entry.offset_seconds or 0)):
                jobs.extend(CheckRequest(entry.account_id, entry.monitor_id, minute * 60 + offset, r,
                                         slow=entry.status == MonitorStatus.DOWN, expect=expect)
                            for r in entry.regions or [] if r in settings.check_regions)
    return jobs


def run_tick(now, send=None) -> dict:
    """Send every region the minutes it has not had, up to the coming one. Returns what it did
    (totals, and per region: minutes and jobs sent, slots skipped, whether its send failed)."""
    send = send or region_dispatch.send_fast
    gap = system_heartbeat.beat(int(now.timestamp()))
    if gap:
        log.warning("Enori was down from %s to %s (no scheduler tick)", gap.start, gap.end)
    state = control.scheduler_state()
    target = int(now.timestamp()) // 60 + 1
    fallback = int(state.last_minute) if state.last_minute is not None else None
    families = sorted(state.families or [])
    cache: dict[int, list[CheckRequest]] = {}

    def jobs_of_minute(minute: int) -> list[CheckRequest]:   # one index read per minute, shared
        if minute not in cache:
            cache[minute] = jobs_for_minute(minute, families)
        return cache[minute]

    sent = {"at": int(now.timestamp()), "minutes": 0, "jobs": 0, "messages": 0, "regions": {}}
    for region in settings.check_regions:
        outcome = region_dispatch.send_region(
            region, control.region_cursor(region), fallback, target, now.timestamp(),
            jobs_of_minute, send)
        region_dispatch.emit_region_metrics(outcome)
        sent["minutes"] = max(sent["minutes"], outcome.minutes)
        sent["jobs"] += outcome.jobs
        sent["messages"] += outcome.messages
        sent["regions"][region] = {"minutes": outcome.sent_minutes, "jobs": outcome.jobs,
                                   "skippedMinutes": outcome.skipped_minutes,
                                   "skippedSlots": outcome.skipped_slots,
                                   "failed": outcome.failed}
    return sent


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def run_scheduler(event):
    sent = run_tick(runtime.clock.now())
    log.info("scheduler tick: %s", sent)
    # Emitted on every tick, zero included: its absence is the "silent scheduler" alarm.
    observability.emit_metrics({"ChecksDispatched": (sent["jobs"], "Count"),
                                "CheckMessagesSent": (sent["messages"], "Count")})
    return sent
