"""When failed password sign-ins lock an email address. Pure: the state in, the state out.

`MAX_FAILURES` failures within `WINDOW` lock the address for `LOCK`; while locked, every
password is refused (a correct one too), so guessing cannot continue at any speed. A success
clears the failures. The state is kept per address whether or not a user has it, so a lock
tells nothing about who exists (`storage.rate_limits.SignInFailuresItem`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


@dataclass(frozen=True)
class Failures:
    times: tuple[datetime, ...] = ()
    locked_until: datetime | None = None


def locked_until(failures: Failures, now: datetime) -> datetime | None:
    """When the lock ends, if the address is locked at `now`."""
    if failures.locked_until is not None and failures.locked_until > now:
        return failures.locked_until
    return None


def after_failure(failures: Failures, now: datetime) -> Failures:
    """The state after one more failure at `now`: the failures of the last `WINDOW`, or a lock
    (and a fresh count) once they reach `MAX_FAILURES`."""
    recent = tuple(t for t in failures.times if now - t < WINDOW) + (now,)
    if len(recent) >= MAX_FAILURES:
        return Failures((), now + LOCK)
    return Failures(recent, locked_until(failures, now))


def forget_after(failures: Failures) -> datetime | None:
    """When nothing in this state matters any more (its TTL)."""
    ends = [t + WINDOW for t in failures.times]
    if failures.locked_until is not None:
        ends.append(failures.locked_until)
    return max(ends, default=None)
