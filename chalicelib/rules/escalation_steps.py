"""When each step of an escalation ladder fires. Pure: numbers in, numbers out.

Steps number the notifications of one escalation: with `n` levels and `repeat` repeats there
are n x (1 + repeat) steps, and step k notifies level k % n of run k // n. A level's
`delayMinutes` counts from the start of its run. Run 0 starts when the incident opens; each
further run starts one cycle after the previous one, the cycle being the last level's delay plus
the gap before it (from the run's start, for a one-level ladder), and at least a minute. So
levels at 0, 15 and 30 minutes with one repeat fire at 0, 15, 30, 45, 60 and 75 minutes; a
single level at 0 with two repeats fires at 0, 1 and 2 minutes.
"""
from __future__ import annotations


def total_steps(level_count: int, repeat: int) -> int:
    return level_count * (1 + repeat)


def cycle_minutes(delays: list[int]) -> int:
    last = delays[-1]
    before = delays[-2] if len(delays) > 1 else 0
    return max(1, last + (last - before))


def step_offset_seconds(delays: list[int], step: int) -> int:
    """Seconds from the incident's opening to step `step`."""
    run, index = divmod(step, len(delays))
    return (run * cycle_minutes(delays) + delays[index]) * 60


def level_of(step: int, level_count: int) -> int:
    """The 1-based level that step `step` notifies."""
    return step % level_count + 1


def run_of(step: int, level_count: int) -> int:
    """The 0-based run (0: the first pass, 1: the first repeat ...) of step `step`."""
    return step // level_count
