"""The scheduler: every minute, send the checks of the coming minute to the region queues.

It works one minute ahead, so every check can be delayed to its exact second within the minute
(SQS DelaySeconds) however late the tick itself runs. Each check region has its own cursor, the
last minute sent to it (`region_dispatch`): a late tick catches up (never with slots more than
two minutes old), a doubled tick finds nothing left to send, a crash between sending and moving
the cursor only resends jobs the worker will dedupe, and a region that cannot be reached holds
back its own cursor only.

A tick works in parallel (E16 point 8: 100,000 monitors well inside the minute): the regions
side by side, each on a thread of its own; the due index's Queries of a minute side by side
(read once per tick, whichever region asks first); and each region's SendMessageBatch calls side
by side on a bounded pool. A region's cursor still moves only once every send of its minute has
finished and succeeded (`kernel.fanout.run_all` waits for them all).
"""
from __future__ import annotations

import json
import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from chalice import Blueprint, Rate

from chalicelib.status import expectations
from chalicelib.kernel import observability
from chalicelib.checks import region_dispatch
from chalicelib.monitors import scheduling
from chalicelib.status import system_heartbeat
from chalicelib.bus import dispatch
from chalicelib.bus.dispatch import CheckRequest
from chalicelib.bus.check_requests import carried_config
from chalicelib.kernel.fanout import OncePerKey, run_all
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.settings import settings
from chalicelib.kernel.vocabulary import MonitorStatus
from chalicelib.storage import control
from chalicelib.storage import monitors as monitor_store

bp = Blueprint(__name__)
log = logging.getLogger("enori.scheduler")


# Enough calls in flight to hide SQS and DynamoDB round trips (tens of ms each) for the few
# hundred calls of a 100,000-monitor minute, few enough for one small Lambda.
CALL_THREADS = 16


@dataclass(frozen=True)
class TickPools:
    """The threads a tick runs on. `regions`: one per check region, so a region waiting on its
    queue never delays another. `calls`: the index Queries and SendMessageBatch calls, bounded;
    they never wait on a pool themselves, so sharing one cannot deadlock. None: one at a time."""
    regions: Executor | None
    calls: Executor | None


SEQUENTIAL = TickPools(None, None)     # every call one after another (the bench's baseline)
# Kept for the process: a warm Lambda container runs many ticks; threads start on first use.
_pools = TickPools(
    ThreadPoolExecutor(max_workers=max(1, len(settings.check_regions)),
                       thread_name_prefix="tick-region"),
    ThreadPoolExecutor(max_workers=CALL_THREADS, thread_name_prefix="tick-call"))


def jobs_for_minute(minute: int, families: list[str], pool: Executor | None = None
                    ) -> list[CheckRequest]:
    """Every check due in `minute`: one Query per interval family and shard, side by side on
    `pool`. Each carries the verdict its monitor shows (the worker's expectation), and its
    monitor's configuration and number (what the worker checks and records with)."""
    keys = scheduling.keys_due(minute, families)
    return [job for jobs in run_all(partial(_jobs_of_key, minute), keys, pool) for job in jobs]


def _jobs_of_key(minute: int, key: str) -> list[CheckRequest]:
    jobs = []
    for entry in monitor_store.due_entries(key):
        expect = expectations.expected_of(entry.status, json.loads(entry.state_json or "{}"))
        # What the worker checks and numbers the result with: it reads no monitor.
        config = carried_config(entry.config_json)
        seq = None if entry.result_seq is None else int(entry.result_seq)
        for offset in scheduling.run_offsets(key, minute, int(entry.offset_seconds or 0)):
            jobs.extend(CheckRequest(entry.account_id, entry.monitor_id, minute * 60 + offset, r,
                                     slow=entry.status == MonitorStatus.DOWN, expect=expect,
                                     config=config, seq=seq)
                        for r in entry.regions or [] if r in settings.check_regions)
    return jobs


def run_tick(now, send=None, pools: TickPools | None = None) -> dict:
    """Send every region the minutes it has not had, up to the coming one. Returns what it did
    (totals, and per region: minutes and jobs sent, slots skipped, whether its send failed).
    `pools`: the threads to run on (default: the process's; `SEQUENTIAL`: none)."""
    pools = pools or _pools
    send = send or partial(dispatch.send_fast, pool=pools.calls)
    gap = system_heartbeat.beat(int(now.timestamp()))
    if gap:
        log.warning("Enori was down from %s to %s (no scheduler tick)", gap.start, gap.end)
    state = control.scheduler_state()
    target = int(now.timestamp()) // 60 + 1
    fallback = int(state.last_minute) if state.last_minute is not None else None
    families = sorted(state.families or [])
    # One index read per minute, shared by the regions (whichever asks first reads it).
    jobs_of_minute = OncePerKey(lambda minute: jobs_for_minute(minute, families, pools.calls))

    def send_to(region: str) -> region_dispatch.RegionOutcome:
        outcome = region_dispatch.send_region(
            region, control.read_region_cursor(region), fallback, target, now.timestamp(),
            jobs_of_minute, send)
        region_dispatch.emit_region_metrics(outcome)
        return outcome

    sent = {"at": int(now.timestamp()), "minutes": 0, "jobs": 0, "messages": 0, "regions": {}}
    for outcome in run_all(send_to, settings.check_regions, pools.regions):
        sent["minutes"] = max(sent["minutes"], outcome.minutes)
        sent["jobs"] += outcome.jobs
        sent["messages"] += outcome.messages
        sent["regions"][outcome.region] = {"minutes": outcome.sent_minutes, "jobs": outcome.jobs,
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
