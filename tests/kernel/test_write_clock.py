"""The write clock (kernel.write_clock, E20): its value changes with every tick, in one process's
memory or in a file every process of a data dir maps, and every DynamoDB write of the storage
floor ticks it once answered, reads never."""
from __future__ import annotations

import stat
import subprocess
import sys

from chalicelib.kernel.write_clock import WriteClock, write_clock


def test_every_tick_changes_the_value():
    clock = WriteClock()
    seen = {clock.now()}
    for _ in range(50):
        clock.tick()
        assert clock.now() not in seen
        seen.add(clock.now())


def test_clocks_mapping_one_file_see_each_others_ticks_and_only_its_owner_may_read_it(tmp_path):
    mine, another = WriteClock(tmp_path), WriteClock(tmp_path)
    before = mine.now()
    another.tick()
    assert mine.now() == another.now() != before
    assert stat.S_IMODE((tmp_path / "write-clock").stat().st_mode) == 0o600


def test_a_tick_in_another_process_is_seen_here(tmp_path):
    clock = WriteClock(tmp_path)
    before = clock.now()
    subprocess.run([sys.executable, "-c", "import sys; from chalicelib.kernel.write_clock import "
                    "WriteClock; WriteClock(sys.argv[1]).tick()", str(tmp_path)], check=True)
    assert clock.now() != before


def test_dynamodb_writes_tick_the_clock_and_reads_do_not(aws):
    from chalicelib.storage.base import get_or_none
    from chalicelib.storage.monitors import list_monitors_listed
    from chalicelib.storage.uniques import UniqueItem

    before = write_clock.now()
    assert get_or_none(UniqueItem, "a#name#x") is None
    list_monitors_listed("acc_1")
    assert write_clock.now() == before
    UniqueItem("a#name#x", owner_id="mon_1").save()
    assert write_clock.now() != before
    saved = write_clock.now()
    UniqueItem("a#name#x").delete()
    assert write_clock.now() != saved


def test_a_transaction_ticks_the_clock(aws):
    from chalicelib.storage.transactions import transaction
    from chalicelib.storage.uniques import UniqueItem

    before = write_clock.now()
    with transaction() as tx:
        tx.save(UniqueItem("a#name#y", owner_id="mon_1"))
    assert write_clock.now() != before


def test_a_rate_limit_counter_written_alone_does_not_tick_the_clock(aws):
    """No shared read reads the rate counters, and polling GETs take their leases there."""
    from datetime import datetime, timedelta, timezone

    from chalicelib.storage import rate_limits

    before = write_clock.now()
    expires = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert rate_limits.take_block("key_1#list#2026", 5, 100, expires) is not None
    assert write_clock.now() == before
