"""The password lockout (pure): ten failures within 15 minutes lock an address for 15 minutes."""
from datetime import datetime, timedelta, timezone

from chalicelib.accounts import lockout
from chalicelib.accounts.lockout import Failures

T0 = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)


def failed(times):
    state = Failures()
    for when in times:
        state = lockout.after_failure(state, when)
    return state


def test_the_tenth_failure_within_the_window_locks_for_fifteen_minutes():
    nine = failed([T0 + timedelta(minutes=i) for i in range(9)])
    assert lockout.locked_until(nine, T0 + timedelta(minutes=9)) is None
    ten = lockout.after_failure(nine, T0 + timedelta(minutes=9))
    assert lockout.locked_until(ten, T0 + timedelta(minutes=9)) == T0 + timedelta(minutes=24)
    assert lockout.locked_until(ten, T0 + timedelta(minutes=23, seconds=59)) is not None
    assert lockout.locked_until(ten, T0 + timedelta(minutes=24)) is None


def test_failures_older_than_the_window_do_not_count():
    spread = failed([T0 + timedelta(minutes=2 * i) for i in range(10)])   # over 18 minutes
    assert lockout.locked_until(spread, T0 + timedelta(minutes=18)) is None
    assert len(spread.times) == 8


def test_after_a_lock_the_count_starts_again():
    locked = failed([T0] * 10)
    after = lockout.after_failure(locked, T0 + timedelta(minutes=16))
    assert after.times == (T0 + timedelta(minutes=16),)
    assert lockout.locked_until(after, T0 + timedelta(minutes=16)) is None


def test_the_state_is_forgotten_when_nothing_in_it_matters():
    assert lockout.forget_after(Failures()) is None
    assert lockout.forget_after(failed([T0, T0 + timedelta(minutes=3)])) == \
        T0 + timedelta(minutes=18)
    assert lockout.forget_after(failed([T0] * 10)) == T0 + timedelta(minutes=15)
