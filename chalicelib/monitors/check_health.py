"""Whether a monitor is being checked: `notCheckedIntervals` on the monitor. Pure.

Two ways a monitor goes unchecked, never shown as a silent Up: fewer regions than its quorum
report (the evaluator counts those slots and mirrors the count, `not_checked_slots`), or no
region reports at all (its only region dark: then nothing reaches the evaluator, and the count
is read from how long ago the last check was, less one interval of grace for the check due).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any


def not_checked_intervals(state: dict[str, Any], last_checked_at: datetime | None,
                          interval_seconds: int | None, now: datetime,
                          scheduled: bool = True) -> int:
    """Intervals in a row without a full quorum of results (0: checked as configured).
    `scheduled`: False for a paused monitor or a Job monitor (pinged, not checked)."""
    if not scheduled:
        return 0
    short = int(state.get("not_checked_slots") or 0)
    if last_checked_at is None or not interval_seconds:
        return short
    silent = int((now - last_checked_at).total_seconds() // interval_seconds) - 1
    return max(short, silent, 0)
