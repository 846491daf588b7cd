"""The record phase's pure parts: a result as a compact entry, a head with results folded in."""
from chalicelib.checks import recording
from chalicelib.checks.checkers.base import CheckResult
from chalicelib.storage.result_batches import CompactResult, HeadEntry

HOUR = 3600


def result(index, slot, ok=True, ms=100):
    return CompactResult(index=index, slot=slot, ok=ok, response_time_ms=ms, checked_at=slot + 2)


def test_a_check_result_keeps_its_fields_as_a_compact_entry():
    compact = recording.compact_of(7, 120, CheckResult(ok=False, error="HTTP 503",
                                                       error_code="HTTP_STATUS", status_code=503,
                                                       response_time_ms=40, ssl_days_left=9,
                                                       details={"ip": "1.2.3.4"}), 125)
    assert compact == CompactResult(7, 120, False, 40, 503, "HTTP_STATUS", 9, 125, "HTTP 503",
                                    {"ip": "1.2.3.4"})


def test_a_head_counts_results_in_their_hour_and_keeps_the_newest_as_last():
    head = recording.merged_head({}, [result(3, 120, ms=100), result(3, 60, ok=False, ms=None),
                                      result(4, 60, ms=50)])
    assert head[3] == HeadEntry(120, 122, True, 100, {0: [2, 1, 1, 100]})
    assert head[4] == HeadEntry(60, 62, True, 50, {0: [1, 0, 1, 50]})


def test_a_late_result_is_counted_but_never_becomes_the_last():
    stored = {3: HeadEntry(HOUR + 60, HOUR + 62, True, 80, {HOUR: [1, 0, 1, 80]})}
    head = recording.merged_head(stored, [result(3, 60, ok=False, ms=None)])
    assert head[3] == HeadEntry(HOUR + 60, HOUR + 62, True, 80,
                                {0: [1, 1, 0, 0], HOUR: [1, 0, 1, 80]})
    assert stored[3].hours == {HOUR: [1, 0, 1, 80]}          # the stored entries are untouched


def test_a_head_keeps_its_two_newest_hours():
    stored = {0: HeadEntry(60, 60, True, 1, {0: [5, 0, 5, 5], HOUR: [3, 0, 3, 3]})}
    head = recording.merged_head(stored, [result(0, 2 * HOUR + 5, ms=7)])
    assert head[0].hours == {HOUR: [3, 0, 3, 3], 2 * HOUR: [1, 0, 1, 7]}
    assert (head[0].slot, head[0].response_time_ms) == (2 * HOUR + 5, 7)
