"""When monitors are checked. Pure: no I/O, no clock of its own.

Each monitor gets a fixed phase inside its interval when it is created, so nothing is written per
check. Time is cut into minutes (`minute` = whole minutes since the epoch). A monitor with an
interval of I minutes and phase minute p is due in every minute m with m % I == p, at
`offset_seconds` into that minute. 30-second monitors are due every minute, twice (offset and
offset + 30 s).

The scheduler's index key is `"{I}:{p}:{shard}"`: for a given minute and interval there is exactly
one p, so a tick is one Query per interval in use and shard, never a scan of all monitors.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

SHARDS = 4            # spreads one busy (interval, phase) key over several partitions
THIRTY_SECONDS = 30


def interval_minutes(interval_seconds: int) -> int:
    """Minutes between runs; a 30-second monitor runs every minute (twice)."""
    return 1 if interval_seconds == THIRTY_SECONDS else interval_seconds // 60


def is_schedulable_interval(interval_seconds: int) -> bool:
    return interval_seconds == THIRTY_SECONDS or (interval_seconds >= 60 and interval_seconds % 60 == 0)


def _stable_number(monitor_id: str, salt: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}:{monitor_id}".encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Phase:
    minute: int           # 0 .. interval_minutes - 1
    offset_seconds: int   # second of the minute the check starts at (0..59, 0..29 for 30 s)
    shard: int


def phase_for(monitor_id: str, interval_seconds: int) -> Phase:
    """The fixed phase of a monitor: derived from its id, so spread evenly and reproducible."""
    minutes = interval_minutes(interval_seconds)
    seconds_span = THIRTY_SECONDS if interval_seconds == THIRTY_SECONDS else 60
    return Phase(
        minute=_stable_number(monitor_id, "minute") % minutes,
        offset_seconds=_stable_number(monitor_id, "second") % seconds_span,
        shard=_stable_number(monitor_id, "shard") % SHARDS,
    )


def schedule_key(interval_seconds: int, phase: Phase) -> str:
    """The scheduler index key of a monitor (30-second monitors have their own family)."""
    family = "30s" if interval_seconds == THIRTY_SECONDS else str(interval_minutes(interval_seconds))
    return f"{family}:{phase.minute}:{phase.shard}"


def keys_due(minute: int, families: list[str]) -> list[str]:
    """Every index key whose monitors are due in `minute`, for the interval families in use."""
    keys = []
    for family in families:
        minutes = 1 if family == "30s" else int(family)
        keys.extend(f"{family}:{minute % minutes}:{shard}" for shard in range(SHARDS))
    return keys


def run_offsets(family: str, offset_seconds: int) -> list[int]:
    """Seconds into the minute at which a due monitor runs: once, or twice for 30 s."""
    if family == "30s":
        return [offset_seconds, offset_seconds + THIRTY_SECONDS]
    return [offset_seconds]


def family_of(key: str) -> str:
    return key.split(":", 1)[0]
