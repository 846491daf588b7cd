"""Degraded quorum: what a slot says when regions that should report are dark. Pure.

A slot missing a region's result is undecided while the result may still come: until the slot is
*settled*, its check's timeout plus RESULT_GRACE_SECONDS after it (`settled_before`). A region
missing from each of the DARK_AFTER_SLOTS newest settled slots is dark, not late, and waiting for
it would hide a real outage for good (two regions, one dark: a quorum of two is never reached).
So the slots missing only dark regions, the newest ones included, are decided by the regions that
did report (at least one), with the quorum cut to their number: a failure of the live region
counts as soon as it arrives. And the monitor is "not checked" (by enough regions) for as many
slots in a row as lacked the quorum — never a silent Up.

Settled slots are known only where the state holds every result that came: the evaluator says
so (`Policy.settled_before`) after folding in the recorded results its state skipped (a passing
result that changes nothing is not stored, `state_machine.is_quiet`). Without it no region is
dark. With it the slots from before an outage count too: a region already dark then is known
dark at the outage's first failed slot, which counts at once (before, only slots after the first
failed one were trusted, and Down came a slot late: 88 s instead of 60 for 30 s x 2).

A region the scheduler never sent a slot's check (its cursor, the last minute sent to it, is
behind the slot's minute or absent, while the reporting region's has reached it: `unreached`)
is dark for that slot at once: its result cannot come, so there is nothing to wait for. Without
it a young monitor (fewer than DARK_AFTER_SLOTS settled slots, e.g. an outage in its first
minutes) waited a slot for a region that was never asked: threshold 1 went Down one interval late.
"""
from __future__ import annotations

from typing import Any, Iterable

DARK_AFTER_SLOTS = 2      # K: settled slots in a row without a region's result: it is dark
# After a check's timeout: the queue's delivery, the batch and the recording of its result.
RESULT_GRACE_SECONDS = 10


def reporting(results: dict[str, bool], regions: Iterable[str]) -> list[str]:
    return [r for r in regions if r in results]


def settled_before(now_epoch: float, timeout_seconds: int) -> int:
    """The slots before this second are settled at `now_epoch`: every region's result for them
    has come, or it is not late but missing (a check ends by its timeout; the grace covers the
    queue's delay and the recording)."""
    return int(now_epoch) - timeout_seconds - RESULT_GRACE_SECONDS


def unreached(cursors: dict[str, int | None], slot: int, reporting_region: str) -> frozenset[str]:
    """The regions never sent `slot`'s check: their cursor (the last minute whose checks the
    scheduler sent them, `RegionCursor.sent_through`; None before the first) is behind the
    slot's minute. Known only when the reporting region's cursor has reached it; otherwise the
    cursors say nothing (none kept)."""
    minute = slot // 60
    reached = cursors.get(reporting_region)
    if reached is None or reached < minute:
        return frozenset()
    return frozenset(r for r, last in cursors.items() if last is None or last < minute)


def dark_regions(slots: list[dict[str, Any]], regions: tuple[str, ...],
                 settled_before_epoch: int | None, k: int = DARK_AFTER_SLOTS,
                 never_sent: frozenset[str] = frozenset()) -> set[str]:
    """Regions missing from each of the `k` newest settled slots (none while fewer are known,
    or when nothing is known to be settled), and those never sent the newest slot's check
    (`unreached`), missing from it."""
    newest = slots[-1]["results"] if slots else {}
    dark = {r for r in regions if r in never_sent and r not in newest}
    if settled_before_epoch is None:
        return dark
    settled = [s for s in slots if s["slot"] < settled_before_epoch]
    if len(settled) < k:
        return dark
    return dark | {r for r in regions if all(r not in s["results"] for s in settled[-k:])}


def degraded_verdict(results: dict[str, bool], regions: tuple[str, ...], needed: int,
                     dark: set[str]) -> bool | None:
    """The verdict of a slot by the regions that reported, when every region missing from it
    is dark; None otherwise (or when nothing reported)."""
    present = reporting(results, regions)
    if not present or not set(regions) - set(present) <= dark:
        return None
    need = min(needed, len(present))
    failures = sum(1 for r in present if not results[r])
    if failures >= need:
        return False
    if len(present) - failures > len(present) - need:
        return True
    return None


def unchecked_run(slots: list[dict[str, Any]], regions: tuple[str, ...], needed: int) -> int:
    """How many of the newest slots in a row fewer than `needed` regions reported."""
    count = 0
    for slot in reversed(slots):
        if len(reporting(slot["results"], regions)) >= needed:
            break
        count += 1
    return count
