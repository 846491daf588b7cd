"""Degraded quorum: what a slot says when regions that should report are dark. Pure.

A slot missing a region's result is undecided: the result may still come. But a region that has
sent nothing for DARK_AFTER_SLOTS slots in a row is dark, not late, and waiting for it would
hide a real outage for good (two regions, one dark: a quorum of two is never reached). So when
the only regions missing from the newest slots are dark ones, those slots are decided by the
regions that did report (at least one), with the quorum cut to their number; and the monitor is
"not checked" (by enough regions) for as many slots in a row as lacked the quorum — never a
silent Up.
"""
from __future__ import annotations

from typing import Any, Iterable

DARK_AFTER_SLOTS = 2      # K: slots in a row without a region's result before it counts as dark


def reporting(results: dict[str, bool], regions: Iterable[str]) -> list[str]:
    return [r for r in regions if r in results]


def complete_slots(slots: list[dict[str, Any]], plain: list[bool | None]) -> list[dict]:
    """The slots that hold every result that came for them: those after a slot that was not
    good. (While every slot is good, a passing result that changes nothing is not stored at all
    — `state_machine.is_quiet` — so a slot from then may lack a region that did report.)"""
    first = next((i for i, verdict in enumerate(plain) if verdict is not True), None)
    return [] if first is None else slots[first + 1:]


def dark_regions(slots: list[dict[str, Any]], plain: list[bool | None], regions: tuple[str, ...],
                 k: int = DARK_AFTER_SLOTS) -> set[str]:
    """Regions missing from each of the `k` newest complete slots (none while fewer are
    known). `plain`: each slot's verdict by the full quorum."""
    complete = complete_slots(slots, plain)
    if len(complete) < k:
        return set()
    return {r for r in regions if all(r not in s["results"] for s in complete[-k:])}


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
