"""The compact minute entries (E16 point 3): what a minute item keeps of a result."""
from chalicelib.storage.result_batches import (CompactResult, decode_entries, encode_entries,
                                               group_of, shard_of)

MINUTE = 29_000_000


def test_a_passing_result_takes_about_thirty_bytes_and_reads_back_the_same():
    passing = CompactResult(index=42, slot=MINUTE * 60 + 17, ok=True, response_time_ms=183,
                            status_code=200, checked_at=MINUTE * 60 + 18)
    text = encode_entries(MINUTE, [passing])
    assert len(text) <= 32
    assert decode_entries(MINUTE, text) == [passing]


def test_a_failure_keeps_its_full_error_text_and_details():
    failing = CompactResult(index=3, slot=MINUTE * 60 + 5, ok=False, status_code=503,
                            error_code="HTTP_STATUS", error="expected 200, got 503",
                            details={"headers": {"retry-after": "5"}}, checked_at=MINUTE * 60 + 6)
    assert decode_entries(MINUTE, encode_entries(MINUTE, [failing])) == [failing]


def test_the_details_of_a_passing_result_are_not_kept():
    passing = CompactResult(index=1, slot=MINUTE * 60, ok=True, details={"records": ["1.2.3.4"]})
    assert decode_entries(MINUTE, encode_entries(MINUTE, [passing]))[0].details == {}


def test_a_request_group_is_named_by_its_requests_whatever_their_order():
    assert group_of([("a", 1), ("b", 2)]) == group_of([("b", 2), ("a", 1)])
    assert group_of([("a", 1), ("b", 2)]) != group_of([("a", 1), ("b", 3)])


def test_a_monitor_number_gives_its_shard_and_index():
    assert shard_of("acc", 0) == ("acc#0", 0)
    assert shard_of("acc", 199) == ("acc#1", 99)


def test_a_head_entry_takes_about_seventy_bytes_and_reads_back_the_same():
    import json

    from chalicelib.storage.result_batches import (HeadEntry, decode_head_entry,
                                                   encode_head_entry)

    hour = MINUTE * 60 // 3600 * 3600
    entry = HeadEntry(slot=MINUTE * 60 + 17, checked_at=MINUTE * 60 + 18, ok=True,
                      response_time_ms=183,
                      hours={hour - 3600: [60, 1, 60, 11_000], hour: [17, 0, 17, 3_100]})
    row = encode_head_entry(entry)
    assert len(json.dumps(row, separators=(",", ":"))) <= 75
    assert decode_head_entry(json.loads(json.dumps(row))) == entry
