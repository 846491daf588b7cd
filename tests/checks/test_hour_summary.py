"""The hour summary's kept counts (E17): slot texts order as (hour, checks) do, so a `<`
condition keeps an hour's latest state; and what the monitor item tells of its two unsettled
hours."""
from chalicelib.checks import hour_summary
from chalicelib.checks.hour_summary import HOUR, HourCounts, counts_text

H = 1_764_489_600          # an hour's epoch


def summary(first=HourCounts(H, 1, 0, 1, 80), prev=None):
    return hour_summary.HourSummary(H, (10, 1), (5, 1), (None,) * hour_summary.SPARK_HOURS,
                                    first, prev)


def test_slot_texts_order_as_hours_then_checks():
    states = [HourCounts(H - HOUR, 120, 9, 3, 999_999), HourCounts(H, 2, 5, 2, 10),
              HourCounts(H, 9, 0, 9, 1), HourCounts(H, 10, 0, 10, 1),
              HourCounts(H, 100, 0, 0, 0), HourCounts(H + HOUR, 1, 1, 0, 0)]
    assert sorted(states, key=counts_text) == states
    assert [hour_summary.parse_counts(counts_text(s)) for s in states] == states


def test_the_slots_alternate_by_hour():
    assert {hour_summary.slot_of(H), hour_summary.slot_of(H + HOUR)} == {0, 1}
    assert hour_summary.slot_of(H) == hour_summary.slot_of(H + 2 * HOUR)


def test_the_item_tells_both_unsettled_hours_from_its_slots_and_summary():
    current, before = HourCounts(H, 7, 1, 7, 700), HourCounts(H - HOUR, 12, 0, 12, 1200)
    slots = [counts_text(before), counts_text(current)]
    assert hour_summary.latest_counts(summary(), slots, 0) == {H - HOUR: before, H: current}
    # Only the first result this hour, and the hour before as the summary saw it.
    seen = HourCounts(H - HOUR, 11, 0, 11, 1100)
    assert hour_summary.latest_counts(summary(prev=seen), [None, None], 0) == {
        H - HOUR: seen, H: summary().first}
    # A slot from two hours ago is not the hour before's.
    stale = [counts_text(HourCounts(H - 2 * HOUR, 3, 0, 3, 30)), None]
    assert hour_summary.latest_counts(summary(prev=seen), stale, 0)[H - HOUR] == seen


def test_an_hour_before_without_a_result_is_read_unless_the_monitor_was_newer():
    assert hour_summary.latest_counts(summary(), [None, None], 0)[H - HOUR] is None
    assert hour_summary.latest_counts(summary(), [None, None], H)[H - HOUR] == HourCounts(
        H - HOUR)


def test_the_item_cannot_tell_with_an_older_summary_or_a_slot_ahead_of_it():
    assert hour_summary.latest_counts(summary(first=None), [None, None], 0) is None
    ahead = [counts_text(HourCounts(H + HOUR, 2, 0, 2, 20)), None]
    assert hour_summary.latest_counts(summary(), ahead, 0) is None
