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


def test_a_packed_head_of_25_monitors_fits_one_write_unit_and_reads_back_the_same():
    from chalicelib.storage.result_batches import HEAD_PART, HeadEntry, pack_heads, unpack_heads

    hour = MINUTE * 60 // 3600 * 3600
    entries = {i: HeadEntry(slot=hour + 3540 + i, checked_at=hour + 3541 + i, ok=i % 7 != 0,
                            response_time_ms=None if i == 3 else 1_800 + i * 97,
                            hours={hour - 3600: [60, 3, 59, 110_000 + i],
                                   hour: [59, 1, 58, 93_100]})
               for i in range(HEAD_PART)}
    packed = pack_heads(entries)
    assert len(packed) <= 25 * HEAD_PART          # ~22 bytes a monitor, was ~70 in JSON
    assert unpack_heads(packed) == entries


def test_a_late_result_and_a_clock_behind_its_slot_read_back_the_same():
    from chalicelib.storage.result_batches import HeadEntry, pack_heads, unpack_heads

    hour = MINUTE * 60 // 3600 * 3600
    entries = {0: HeadEntry(hour - 7200 + 5, hour - 7200 + 2, False, 0,
                            {hour - 7200: [1, 1, 1, 0]}),
               99: HeadEntry(hour + 30, hour + 31, True, 5, {hour: [1, 0, 1, 5]})}
    assert unpack_heads(pack_heads(entries)) == entries


def test_a_head_written_in_json_before_packing_still_reads(aws):
    import json

    from chalicelib.storage import result_batches as batches

    hour = MINUTE * 60 // 3600 * 3600
    entry = batches.HeadEntry(hour + 17, hour + 18, True, 183, {hour: [17, 0, 17, 3_100]})
    batches.ShardHeadItem("acc#0", batches.head_key("UsEast", 0), version=4, entries_json=json.dumps(
        {"7": batches.encode_head_entry(entry)})).save()
    assert batches.get_head("acc#0", "UsEast", 0).entries() == {7: entry}
    read = batches.heads_for_update([("acc#0", "UsEast", 0), ("acc#0", "UsEast", 1)])
    assert read[("acc#0", "UsEast", 0)].entries() == {7: entry}
    assert read[("acc#0", "UsEast", 1)].entries() == {}       # not stored yet: version 0
    assert batches.put_head(read[("acc#0", "UsEast", 0)], {7: entry, 8: entry})
    assert batches.get_head("acc#0", "UsEast", 0).entries() == {7: entry, 8: entry}
    assert not batches.put_head(read[("acc#0", "UsEast", 0)], {7: entry})   # version moved


def test_the_list_decodes_only_the_rolled_entries_of_the_monitors_it_asks_for(aws):
    """A page's monitors are a few of their shards' (up to 100 each): the others' entries,
    read in the same item, are not built."""
    from chalicelib.storage import result_batches as batches

    hour = MINUTE * 60 // 3600 * 3600
    entries = {i: batches.RolledEntry(hour, 60 + i, i, '{"through":%d}' % hour, hour - 30, 100 + i)
               for i in range(5)}
    assert batches.put_rolled(batches.rolled_of("acc#0"), entries)
    heads, rolled = batches.heads_and_rolled([("acc#0", "UsEast", 0)], {"acc#0": {1, 3, 7}})
    assert (heads, rolled) == ({}, {"acc#0": {1: entries[1], 3: entries[3]}})
    assert batches.rolled_of("acc#0").rolled_entries() == entries
