"""When monitors are checked. Pure: no I/O, no clock of its own.

Each monitor gets a fixed phase inside its interval when it is created, so nothing is written per
check. Time is cut into minutes (`minute` = whole minutes since the epoch). A monitor with an
interval of I minutes and phase minute p is due in every minute m with m % I == p, at
`offset_seconds` into that minute. 30-second monitors are due every minute, twice (offset and
offset + 30 s). An interval of an odd number H of half-minutes (90 s, 150 s, ...) counts in
half-minutes instead: half-minute h (2m and 2m + 1 in minute m) is due when h % H == p, and
runs `offset_seconds` (0..29) into its half.

The scheduler's index key is `"{I}:{p}:{shard}"` (`"h{H}:{p}:{shard}"` for half-minute families):
for a given minute and interval there is exactly one p (one per half), so a tick is one Query per
interval in use and shard (two for a half-minute family), never a scan of all monitors.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

SHARDS = 4            # spreads one busy (interval, phase) key over several partitions
THIRTY_SECONDS = 30


def interval_minutes(interval_seconds: int) -> int:
    """Minutes between runs; a 30-second monitor runs every minute (twice)."""
    return 1 if interval_seconds == THIRTY_SECONDS else interval_seconds // 60


def _half_minutes(interval_seconds: int) -> int | None:
    """H for an interval of an odd number of half-minutes (90 s -> 3), else None."""
    halves, rest = divmod(interval_seconds, THIRTY_SECONDS)
    return halves if rest == 0 and halves % 2 == 1 and halves > 1 else None


def is_schedulable_interval(interval_seconds: int) -> bool:
    return interval_seconds >= THIRTY_SECONDS and interval_seconds % THIRTY_SECONDS == 0


def _stable_number(monitor_id: str, salt: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}:{monitor_id}".encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Phase:
    minute: int           # 0 .. interval_minutes - 1
    offset_seconds: int   # second of the minute the check starts at (0..59, 0..29 for 30 s)
    shard: int


def phase_for(monitor_id: str, interval_seconds: int, shard: str | None = None) -> Phase:
    """The fixed phase of a monitor: derived from its id, so spread evenly and reproducible.
    For a half-minute family, `minute` is the phase in half-minutes (0 .. H - 1).

    `shard`: the monitor's result shard (`result_batches.shard_of`). Its second then comes
    from the shard, so a shard's checks of a minute start together, share request messages and
    are recorded in one write; the minute phase of a multi-minute interval stays the
    monitor's, so its checks still spread over the interval. None (a monitor not numbered
    yet): the second comes from the monitor id."""
    halves = _half_minutes(interval_seconds)
    slots = halves or interval_minutes(interval_seconds)
    seconds_span = THIRTY_SECONDS if halves or interval_seconds == THIRTY_SECONDS else 60
    return Phase(
        minute=_stable_number(monitor_id, "minute") % slots,
        offset_seconds=_stable_number(shard or monitor_id, "second") % seconds_span,
        shard=_stable_number(monitor_id, "shard") % SHARDS,
    )


def schedule_key(interval_seconds: int, phase: Phase) -> str:
    """The scheduler index key of a monitor (30-second monitors have their own family)."""
    halves = _half_minutes(interval_seconds)
    family = "30s" if interval_seconds == THIRTY_SECONDS else f"h{halves}" if halves \
        else str(interval_minutes(interval_seconds))
    return f"{family}:{phase.minute}:{phase.shard}"


def keys_due(minute: int, families: list[str]) -> list[str]:
    """Every index key whose monitors are due in `minute`, for the interval families in use."""
    keys = []
    for family in families:
        for phase in _phases_due(minute, family):
            keys.extend(f"{family}:{phase}:{shard}" for shard in range(SHARDS))
    return keys


def _phases_due(minute: int, family: str) -> list[int]:
    if family.startswith("h"):
        halves = int(family[1:])
        return [(2 * minute) % halves, (2 * minute + 1) % halves]
    minutes = 1 if family == "30s" else int(family)
    return [minute % minutes]


def run_offsets(key: str, minute: int, offset_seconds: int) -> list[int]:
    """Seconds into `minute` at which a monitor of the due `key` runs: once, twice for 30 s,
    and in the first or second half of the minute for a half-minute family."""
    family, phase, _ = key.split(":")
    if family == "30s":
        return [offset_seconds, offset_seconds + THIRTY_SECONDS]
    if family.startswith("h"):
        first_half = (2 * minute) % int(family[1:]) == int(phase)
        return [offset_seconds if first_half else offset_seconds + THIRTY_SECONDS]
    return [offset_seconds]


def family_of(key: str) -> str:
    return key.split(":", 1)[0]
