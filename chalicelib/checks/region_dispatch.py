"""The scheduler's sending, one check region at a time: a region whose queue cannot be reached
holds back its own cursor only, never another region's checks.

Each region keeps its own cursor (the last minute sent to it, `storage.control`). A tick plans,
per region, the minutes still to send (`plan_minutes`, pure), sends them through a fast-failing
SQS client (`dispatch.send_fast`: an unreachable region costs the tick seconds, not
minutes) and moves that region's cursor after each minute sent. A send that fails stops that
region for this tick; the next tick tries again. Slots more than `STALE_AFTER_SECONDS` old are
never sent (a check run minutes late says nothing about the slot it was meant for): a region
coming back sends the fresh minutes only, and counts and logs the slots it skipped.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from chalicelib.kernel import observability
from chalicelib.bus.check_requests import STALE_AFTER_SECONDS, CheckRequest, is_fresh
from chalicelib.storage import control

log = logging.getLogger("enori.scheduler")


@dataclass(frozen=True)
class Plan:
    minutes: list[int]        # to send, oldest first
    skipped_minutes: int      # minutes never sent: all their slots were stale


def first_fresh_minute(now_epoch: float) -> int:
    """The oldest minute that may still hold a slot no older than STALE_AFTER_SECONDS."""
    return int(now_epoch - STALE_AFTER_SECONDS) // 60


def plan_minutes(previous: int | None, target: int, now_epoch: float) -> Plan:
    """The minutes to send to a region whose cursor is `previous`, up to `target` (the coming
    minute). Pure: the clock is `now_epoch`."""
    if previous is None:
        return Plan([target], 0)
    first = max(previous + 1, first_fresh_minute(now_epoch))
    return Plan(list(range(first, target + 1)), max(0, first - (previous + 1)))


@dataclass
class RegionOutcome:
    region: str
    minutes: int = 0
    jobs: int = 0
    messages: int = 0
    skipped_minutes: int = 0
    skipped_slots: int = 0    # stale slots of the minutes sent
    failed: bool = False
    sent_minutes: list[int] = field(default_factory=list)


def send_region(region: str, cursor: control.RegionCursor, fallback: int | None, target: int,
                now_epoch: float, jobs_of_minute: Callable[[int], list[CheckRequest]],
                send: Callable[[list[CheckRequest], float], int]) -> RegionOutcome:
    """Send `region` the minutes its cursor has not reached. `cursor`: as read; `fallback`:
    where to start when it has none yet (the cursor of the single-cursor scheduler this
    replaced, so an upgrade neither resends nor skips). A failed send notes the region's outage
    from that minute, once; the first send that goes out again ends it."""
    outcome = RegionOutcome(region)
    stored, failing = cursor.last_minute, cursor.failing_since
    name = control.region_cursor_name(region)
    previous = stored if stored is not None else fallback
    plan = plan_minutes(previous, target, now_epoch)
    # Whole minutes passed over are counted, not read: after a long outage that would be one
    # index Query per minute missed.
    outcome.skipped_minutes = plan.skipped_minutes
    expected = stored
    for minute in plan.minutes:
        due = [j for j in jobs_of_minute(minute) if j.region == region]
        fresh = [j for j in due if is_fresh(j, now_epoch)]
        outcome.skipped_slots += len(due) - len(fresh)
        # Every slot stale: passed over with no call to the region (which may be dark), so it
        # is a skipped minute, not a sent one; its cursor still moves past it.
        stale_only = bool(due) and not fresh
        try:
            outcome.messages += 0 if stale_only else send(fresh, now_epoch)
        except Exception as exc:  # noqa: BLE001 - any failure: this region waits, others go on
            log.warning("region %s: could not send minute %s (%s: %s); its cursor stays at %s",
                        region, minute, type(exc).__name__, exc, expected)
            outcome.failed = True
            if failing is None:
                control.mark_failing(name, minute)
            break
        # Only checks that went out prove the region is back: a minute with none makes no call.
        reached = bool(fresh)
        if not control.advance_cursor(expected, minute, name, reached=reached):
            log.info("region %s: another tick already sent minute %s", region, minute)
            break
        expected = minute
        failing = None if reached else failing
        if stale_only:
            outcome.skipped_minutes += 1
            continue
        outcome.minutes += 1
        outcome.jobs += len(fresh)
        outcome.sent_minutes.append(minute)
    if outcome.skipped_slots or outcome.skipped_minutes:
        log.warning("region %s: skipped %d stale minutes and %d stale slots (older than %d s)",
                    region, outcome.skipped_minutes, outcome.skipped_slots, STALE_AFTER_SECONDS)
    return outcome


def emit_region_metrics(outcome: RegionOutcome, write=None) -> dict:
    """Per region, on every tick (zeros included, so an alarm sees a healthy region too)."""
    return observability.emit_metrics({"DispatchFailures": (int(outcome.failed), "Count"),
                                "SlotsSkipped": (outcome.skipped_slots, "Count"),
                                "MinutesSkipped": (outcome.skipped_minutes, "Count")},
                               {"Region": outcome.region}, write)
