from datetime import datetime, timezone

import pytest

from chalicelib.kernel import stats
from chalicelib.kernel.stats import Rollup, bucket_index, percentile_from_histogram, summarise


def histogram_of(*times_ms):
    counts = [0] * stats.BUCKET_COUNT
    for ms in times_ms:
        counts[bucket_index(ms)] += 1
    return counts


def rollup(checks, failures, *times_ms):
    return Rollup(checks=checks, failures=failures, rt_count=len(times_ms),
                  rt_sum_ms=sum(times_ms), histogram=histogram_of(*times_ms))


def test_it_has_about_45_log_scale_buckets_up_to_120_seconds():
    edges = stats.UPPER_EDGES_MS
    assert stats.BUCKET_COUNT == 45
    assert edges[0] == 10 and edges[-1] == 120_000
    assert all(b / a <= 1.25 + 1e-9 for a, b in zip(edges, edges[1:]))
    assert list(edges) == sorted(edges)


@pytest.mark.parametrize("ms, index", [
    (0, 0), (-5, 0), (10, 0), (10.01, 1), (12.5, 1), (13, 2), (100, 11), (120_000, 43),
    (120_001, 44), (10**9, 44),
])
def test_it_puts_a_time_in_the_first_bucket_whose_upper_edge_holds_it(ms, index):
    assert bucket_index(ms) == index


@pytest.mark.parametrize("times, q, expected", [
    ((), 0.95, None),
    ((5,), 0.95, 10),
    ((100,) * 19 + (900,), 0.95, 117),          # rank 19 of 20: 100 ms, bucket (93.1, 116.4]
    ((100,) * 18 + (900, 900), 0.95, 1085),      # rank 19 is 900 ms, bucket (867.4, 1084.2]
    (tuple(range(1, 101)), 0.5, 60),                 # 50 ms -> bucket (47.7, 59.6]
    ((200_000,), 0.95, 120_000),                     # overflow reports the last edge
])
def test_it_reports_the_upper_edge_of_the_percentile_bucket(times, q, expected):
    assert percentile_from_histogram(histogram_of(*times), q) == expected


@pytest.mark.parametrize("true_ms", [1, 11, 57, 333, 4_321, 29_999])
def test_it_never_understates_and_stays_within_25_percent_or_10_ms(true_ms):
    reported = percentile_from_histogram(histogram_of(true_ms), 0.95)
    assert true_ms <= reported <= max(true_ms * 1.25 + 1, 10)


def test_it_summarises_hand_computed_rollups():
    hours = [rollup(4, 1, 100, 200, 300), rollup(6, 0, 100, 100, 100, 100, 100, 100)]
    assert summarise(hours, incidents_downtime_seconds=120, incident_count=1) == {
        "uptimePercentage": 90.0,           # 100 x (10 - 1) / 10
        "avgResponseTimeMs": 133.3,         # 1200 ms / 9 timed checks
        "p95ResponseTimeMs": 356,           # rank 9 of 9: 300 ms, bucket (284.2, 355.3]
        "totalChecks": 10,
        "failedChecks": 1,
        "downtimeSeconds": 120,
        "incidentCount": 1,
    }


@pytest.mark.parametrize("checks, failures, uptime", [
    (0, 0, None), (3, 0, 100.0), (3, 1, 66.667), (3, 3, 0.0), (100_000, 1, 99.999),
])
def test_it_rounds_uptime_to_three_decimals(checks, failures, uptime):
    assert summarise([Rollup(checks=checks, failures=failures)])["uptimePercentage"] == uptime


def test_it_reports_no_timings_as_null():
    summary = summarise([rollup(2, 2)])
    assert summary["avgResponseTimeMs"] is None
    assert summary["p95ResponseTimeMs"] is None
    assert summarise([])["uptimePercentage"] is None     # never checked: no uptime, not 100


@pytest.mark.parametrize("period, start", [
    ("24h", datetime(2026, 3, 23, 11, tzinfo=timezone.utc)),
    ("7d", datetime(2026, 3, 17, 11, tzinfo=timezone.utc)),
    ("30d", datetime(2026, 2, 22, 11, tzinfo=timezone.utc)),
    ("90d", datetime(2025, 12, 24, 11, tzinfo=timezone.utc)),
])
def test_it_aligns_the_window_to_whole_hours_ending_with_the_current_one(period, start):
    now = datetime(2026, 3, 24, 10, 20, 5, tzinfo=timezone.utc)
    assert stats.period_window(period, now) == (start, now)


def test_it_refuses_an_unknown_period():
    with pytest.raises(KeyError):
        stats.period_window("1y", datetime(2026, 3, 24, tzinfo=timezone.utc))


# --- time-based uptime (Job monitors) ----------------------------------------------------------

def test_a_job_down_for_164_seconds_of_a_day_is_not_100_percent_up():
    from chalicelib.kernel.stats import (
        StatusChange,
        known_and_down_seconds,
        status_spans,
        time_uptime,
    )

    day = 86_400
    changes = [StatusChange(1_000, "Up", "Down"), StatusChange(1_164, "Down", "Up")]
    spans = status_spans(changes, "Up", 0, day)
    assert spans == [(0, 1_000, "Up"), (1_000, 1_164, "Down"), (1_164, day, "Up")]
    assert known_and_down_seconds(spans, 0, day) == (day, 164)
    assert time_uptime(day, 164) == 99.81


def test_time_before_the_first_verdict_is_unknown_not_up():
    from chalicelib.kernel.stats import StatusChange, known_and_down_seconds, status_spans

    spans = status_spans([StatusChange(600, "Pending", "Down"),
                          StatusChange(900, "Down", "Up")], "Up", 0, 1_200)
    assert known_and_down_seconds(spans, 0, 1_200) == (600, 300)     # 50 % up, not 75 %


@pytest.mark.parametrize("current, expected", [("Up", 100.0), ("Down", 0.0), ("Pending", None)])
def test_without_changes_the_current_status_holds_for_the_whole_window(current, expected):
    from chalicelib.kernel.stats import known_and_down_seconds, status_spans, time_uptime

    spans = status_spans([], current, 100, 200)
    assert time_uptime(*known_and_down_seconds(spans, 100, 200)) == expected


def test_spans_clip_to_a_sub_window():
    from chalicelib.kernel.stats import StatusChange, known_and_down_seconds, status_spans

    spans = status_spans([StatusChange(50, "Up", "Down")], "Down", 0, 100)
    assert known_and_down_seconds(spans, 40, 60) == (20, 10)
