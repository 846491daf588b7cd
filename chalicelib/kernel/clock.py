"""The clock, injected: code asks `clock.now()`; tests replace it with a FakeClock."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self._now

    def time(self) -> float:
        return self._now.timestamp()

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def set(self, when: datetime) -> None:
        self._now = when


# Nothing is stored before the Unix epoch, and date arithmetic near year 9999 overflows: every
# instant the API takes in lies within these (a day of margin at the top for "to + 1 day").
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9999, 12, 30, tzinfo=timezone.utc)


def to_utc(value: datetime) -> datetime:
    """`value` in UTC (a naive one is taken as UTC). ValueError when it has no UTC equivalent
    (0001-01-01T00:00+01:00 is before year 1) or lies outside [EARLIEST, LATEST]."""
    try:
        utc = value.replace(tzinfo=timezone.utc) if value.tzinfo is None \
            else value.astimezone(timezone.utc)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError("must lie between 1970-01-01T00:00:00Z and 9999-12-30T00:00:00Z")
    return utc


def clamp_to_utc(value: datetime) -> datetime:
    """`value` in UTC, moved into [EARLIEST, LATEST]: for query bounds, where "from year 1"
    means "from the beginning" and "to year 1178" selects nothing, rather than an error."""
    try:
        return to_utc(value)
    except ValueError:
        past = value.replace(tzinfo=None) < datetime(5000, 1, 1)
        return EARLIEST if past else LATEST


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 UTC with a `Z`, as every timestamp on the wire."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
