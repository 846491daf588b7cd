"""Maintenance windows, pure: active or not, occurrences (DST included), which monitors."""
from datetime import datetime, timezone

import pytest

from chalicelib.maintenance.occurrences import (
    applies_to,
    covered_seconds,
    current_or_next,
    is_active,
    is_hour_covered,
    merge_spans,
    occurrences,
)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


ONE_OFF = {"starts_at": "2026-03-24T10:00:00Z", "ends_at": "2026-03-24T12:00:00Z"}
# Sunday 02:30 Berlin, one hour; 2026-03-29 is the spring-forward Sunday (02:00 -> 03:00).
SUNDAY_BERLIN = {"weekdays": ["Sun"], "start_time": "02:30", "duration_minutes": 60,
                 "timezone": "Europe/Berlin"}
# Nightly 02:30 Berlin, one hour; 2026-10-25 is the fall-back night (03:00 -> 02:00).
NIGHTLY_BERLIN = {"cron_expression": "30 2 * * *", "duration_minutes": 60,
                  "timezone": "Europe/Berlin"}
WEEKDAYS_NOON_NY = {"weekdays": ["Mon", "Wed"], "start_time": "12:00", "duration_minutes": 30,
                    "timezone": "America/New_York"}


@pytest.mark.parametrize("window, now, active", [
    (ONE_OFF, utc(2026, 3, 24, 9, 59, 59), False),
    (ONE_OFF, utc(2026, 3, 24, 10, 0), True),         # start included
    (ONE_OFF, utc(2026, 3, 24, 11, 59, 59), True),
    (ONE_OFF, utc(2026, 3, 24, 12, 0), False),        # end excluded
    (SUNDAY_BERLIN, utc(2026, 3, 22, 1, 30), True),   # 02:30 CET
    (SUNDAY_BERLIN, utc(2026, 3, 22, 2, 29), True),
    (SUNDAY_BERLIN, utc(2026, 3, 22, 2, 30), False),
    (SUNDAY_BERLIN, utc(2026, 3, 23, 1, 30), False),  # a Monday
    (SUNDAY_BERLIN, utc(2026, 3, 29, 0, 59), False),  # 02:30 does not exist: starts at 03:00 CEST
    (SUNDAY_BERLIN, utc(2026, 3, 29, 1, 0), True),
    (SUNDAY_BERLIN, utc(2026, 3, 29, 1, 59), True),
    (SUNDAY_BERLIN, utc(2026, 3, 29, 2, 0), False),
    (SUNDAY_BERLIN, utc(2026, 4, 5, 0, 30), True),    # 02:30 CEST
    (NIGHTLY_BERLIN, utc(2026, 10, 25, 0, 30), True),  # the first 02:30 (CEST)
    (NIGHTLY_BERLIN, utc(2026, 10, 25, 1, 30), False),  # the second 02:30 (CET): not again
    (NIGHTLY_BERLIN, utc(2026, 10, 26, 1, 30), True),  # 02:30 CET
    (WEEKDAYS_NOON_NY, utc(2026, 3, 25, 16, 10), True),  # Wednesday 12:10 EDT
    (WEEKDAYS_NOON_NY, utc(2026, 3, 26, 16, 10), False),  # Thursday
])
def test_it_knows_when_a_window_is_active(window, now, active):
    assert is_active(window, now) is active


@pytest.mark.parametrize("window, start, end, expected", [
    (ONE_OFF, utc(2026, 3, 24), utc(2026, 3, 25),
     [(utc(2026, 3, 24, 10), utc(2026, 3, 24, 12))]),
    (ONE_OFF, utc(2026, 3, 24, 12), utc(2026, 3, 25), []),
    (SUNDAY_BERLIN, utc(2026, 3, 20), utc(2026, 4, 6), [
        (utc(2026, 3, 22, 1, 30), utc(2026, 3, 22, 2, 30)),   # CET
        (utc(2026, 3, 29, 1, 0), utc(2026, 3, 29, 2, 0)),     # the clocks jump: 03:00 CEST
        (utc(2026, 4, 5, 0, 30), utc(2026, 4, 5, 1, 30)),     # CEST
    ]),
    (NIGHTLY_BERLIN, utc(2026, 10, 24), utc(2026, 10, 27), [
        (utc(2026, 10, 24, 0, 30), utc(2026, 10, 24, 1, 30)),
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),  # once in the repeated hour
        (utc(2026, 10, 26, 1, 30), utc(2026, 10, 26, 2, 30)),
    ]),
    # An occurrence in progress at the range's start counts.
    ({"cron_expression": "0 23 * * *", "duration_minutes": 120, "timezone": "UTC"},
     utc(2026, 5, 2, 0, 30), utc(2026, 5, 2, 2), [(utc(2026, 5, 1, 23), utc(2026, 5, 2, 1))]),
])
def test_it_lists_the_occurrences_overlapping_a_range(window, start, end, expected):
    assert occurrences(window, start, end) == expected


def test_a_duration_is_elapsed_time_across_the_fall_back():
    # 01:00 Berlin for three hours on the night the clocks go back: 3 real hours.
    window = {"weekdays": ["Sun"], "start_time": "01:00", "duration_minutes": 180,
              "timezone": "Europe/Berlin"}
    [(start, end)] = occurrences(window, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))
    assert (start, end) == (utc(2026, 10, 24, 23), utc(2026, 10, 25, 2))


def test_a_one_off_without_offset_is_utc():
    window = {"starts_at": "2026-03-24T10:00:00", "ends_at": "2026-03-24T11:00:00"}
    assert is_active(window, utc(2026, 3, 24, 10, 30))


@pytest.mark.parametrize("window, monitor_id, tags, covered", [
    ({"all_monitors": True}, "mon_a", [], True),
    ({"monitor_ids": ["mon_a"]}, "mon_a", [], True),
    ({"monitor_ids": ["mon_a"]}, "mon_b", [], False),
    ({"tags": ["db", "eu"]}, "mon_a", ["db", "eu", "prod"], True),
    ({"tags": ["db", "eu"]}, "mon_a", ["db"], False),      # every tag, like ?tag=
])
def test_it_knows_which_monitors_a_window_covers(window, monitor_id, tags, covered):
    assert applies_to(window, {"tags": tags}, monitor_id) is covered


def test_current_or_next_gives_the_running_then_the_coming_occurrence():
    assert current_or_next(NIGHTLY_BERLIN, utc(2026, 10, 25, 1)) == \
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30))
    assert current_or_next(NIGHTLY_BERLIN, utc(2026, 10, 25, 2)) == \
        (utc(2026, 10, 26, 1, 30), utc(2026, 10, 26, 2, 30))
    assert current_or_next(ONE_OFF, utc(2026, 3, 24, 12)) is None


def test_spans_merge_and_only_whole_hours_are_covered():
    spans = merge_spans([(utc(2026, 1, 1, 2, 30), utc(2026, 1, 1, 4)),
                         (utc(2026, 1, 1, 1, 0), utc(2026, 1, 1, 3, 0))])
    assert spans == [(utc(2026, 1, 1, 1), utc(2026, 1, 1, 4))]
    assert covered_seconds(spans) == 3 * 3600
    hour = int(utc(2026, 1, 1, 3).timestamp())
    assert is_hour_covered(spans, hour)
    assert not is_hour_covered(spans, hour + 3600)
    assert not is_hour_covered([(utc(2026, 1, 1, 3, 30), utc(2026, 1, 1, 5))], hour)
