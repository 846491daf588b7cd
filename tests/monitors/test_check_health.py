"""`notCheckedIntervals`: a monitor short of its quorum, or not checked at all, says so."""
from datetime import datetime, timedelta, timezone

from chalicelib.monitors.check_health import not_checked_intervals

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)


def test_a_monitor_checked_on_time_is_checked():
    assert not_checked_intervals({}, NOW - timedelta(seconds=90), 60, NOW) == 0


def test_the_evaluators_count_of_slots_short_of_the_quorum_shows():
    assert not_checked_intervals({"not_checked_slots": 4}, NOW, 60, NOW) == 4


def test_a_monitor_whose_every_region_is_dark_counts_its_silent_intervals():
    assert not_checked_intervals({}, NOW - timedelta(minutes=10), 60, NOW) == 9


def test_paused_and_job_monitors_are_never_not_checked():
    assert not_checked_intervals({"not_checked_slots": 4}, NOW - timedelta(days=1), 60, NOW,
                                 scheduled=False) == 0
