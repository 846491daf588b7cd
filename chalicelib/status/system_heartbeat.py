"""Enori's own heartbeat: the scheduler beats once per tick; a silence longer than
GAP_AFTER_SECONDS was Enori's downtime, not its users'.

Pings could not be received while Enori was down, so a Job monitor whose deadline fell inside
that gap (plus its grace: the ping it waited for may come just after) is not reported as a
missed run; its deadline moves on to the next run. The sweep may run before the scheduler's
first tick after the gap: a heartbeat older than GAP_AFTER_SECONDS is a gap still open.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.storage import control

GAP_AFTER_SECONDS = 180     # three missed one-minute ticks


@dataclass(frozen=True)
class Gap:
    start: int    # the last beat before it (epoch seconds)
    end: int      # the first beat after it, or now while it lasts


def gap_between(previous_beat: int | None, now_epoch: int) -> Gap | None:
    if previous_beat is None or now_epoch - previous_beat <= GAP_AFTER_SECONDS:
        return None
    return Gap(previous_beat, now_epoch)


def known_gaps(last_beat: int | None, gap_start: int | None, gap_end: int | None,
               now_epoch: int) -> list[Gap]:
    """The last gap recorded, and the one still open (no beat for too long)."""
    gaps = [Gap(int(gap_start), int(gap_end))] if gap_start is not None and gap_end is not None \
        else []
    open_gap = gap_between(int(last_beat) if last_beat is not None else None, now_epoch)
    return gaps + ([open_gap] if open_gap else [])


def covers(gaps: list[Gap], deadline_epoch: int, grace_seconds: int) -> bool:
    """Whether a deadline fell inside a gap, or within `grace_seconds` after it ended."""
    return any(g.start <= deadline_epoch <= g.end + grace_seconds for g in gaps)


def beat(now_epoch: int) -> Gap | None:
    """The scheduler's tick: record it (and the gap it ends, if any)."""
    previous = control.heartbeat().last_beat
    gap = gap_between(int(previous) if previous is not None else None, now_epoch)
    control.beat(now_epoch, (gap.start, gap.end) if gap else None)
    return gap


def gaps(now_epoch: int) -> list[Gap]:
    item = control.heartbeat()
    return known_gaps(item.last_beat, item.gap_start, item.gap_end, now_epoch)
