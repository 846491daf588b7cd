"""The hour summary the hourly rollup job takes (E16 point 3): the sums of the windows that end
with the hour after the one it rolled up, and each day hour's mean response time; a summary
from before the job (the per-check path's) is not read."""
import json

from chalicelib.checks import hour_summary
from chalicelib.checks.hour_summary import DAY_HOURS, HOUR, MONTH_HOURS, HourCounts

H = 1_764_489_600          # an hour's epoch


def test_the_summary_sums_the_windows_ending_after_its_hour():
    rollups = [HourCounts(H - n * HOUR, 10, n % 3, 10, 100 * (n + 1)) for n in range(800)]
    summary = hour_summary.parse(hour_summary.summary_through(H, rollups))
    assert summary.through == H and summary.last_settled == H
    month = [r for r in rollups if r.hour > H - (MONTH_HOURS - 1) * HOUR]
    day = [r for r in rollups if r.hour > H - (DAY_HOURS - 1) * HOUR]
    assert len(month) == 719 and len(day) == 23        # the next hour completes each window
    assert summary.month == (sum(r.checks for r in month), sum(r.failures for r in month))
    assert summary.day == (sum(r.checks for r in day), sum(r.failures for r in day))
    assert summary.first_settled(DAY_HOURS) == H - 22 * HOUR
    assert [summary.mean_ms_at(H - n * HOUR) for n in (0, 1, 22, 23)] == [10, 20, 230, None]


def test_hours_without_a_rollup_have_no_mean_and_later_hours_are_left_out():
    later = HourCounts(H + HOUR, 5, 5, 5, 5)
    summary = hour_summary.parse(hour_summary.summary_through(H, [HourCounts(H, 2, 1, 1, 80),
                                                                  later]))
    assert summary.month == summary.day == (2, 1)
    assert summary.ms == (None,) * 22 + (80,)


def test_a_summary_from_the_per_check_path_is_not_read():
    old = json.dumps({"hour": H, "month": [1, 0], "day": [1, 0], "ms": [None] * 22,
                      "first": [1, 0, 1, 80], "prev": None})
    assert hour_summary.parse(old) is None
    assert hour_summary.parse(None) is None and hour_summary.parse("{") is None


def test_rolling_a_summary_on_equals_summing_every_rollup_again():
    """Hour after hour, with hours without results between (up to a day), the summary rolled
    on from the previous one and the dropped hours' rollups is the one summed afresh."""
    import random

    draw = random.Random(16)
    rollups = {H + n * HOUR: HourCounts(H + n * HOUR, draw.randint(1, 60), draw.randint(0, 5),
                                        draw.randint(0, 60), draw.randint(0, 9000))
               for n in range(900) if draw.random() < 0.8}
    checked_hours = sorted(h for h in rollups if h >= H + 760 * HOUR)
    through = H + 750 * HOUR
    text = hour_summary.summary_through(through, rollups.values())
    for hour in checked_hours[::3]:              # gaps of a few hours, some longer
        previous = hour_summary.parse(text)
        dropped = {h: rollups[h] for h in hour_summary.dropped_hours(previous, hour)
                   if h in rollups}
        between = [h for h in rollups if previous.through < h < hour]
        for h in between:                        # as if those hours had no result
            del rollups[h]
        text = hour_summary.rolled_on(previous, hour, rollups[hour], dropped)
        assert hour_summary.parse(text) == hour_summary.parse(
            hour_summary.summary_through(hour, rollups.values())), hour
