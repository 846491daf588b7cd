from datetime import datetime, timezone

from chalicelib.storage import results as store
from result_seeds import put_rollup

NOW = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)
SLOT = int(NOW.timestamp())
HOUR = 3600


def test_it_reads_the_rollups_of_a_range_of_hours_only(aws):
    for hour in range(5):
        put_rollup("mon_a", SLOT + hour * HOUR, [50])
    put_rollup("mon_b", SLOT + HOUR, [50])
    found = store.rollups_between("mon_a", SLOT + HOUR, SLOT + 3 * HOUR)
    assert [r.hour_epoch for r in found] == [SLOT + HOUR, SLOT + 2 * HOUR, SLOT + 3 * HOUR]


def test_it_deletes_every_rollup_of_a_monitor_and_no_other(aws):
    for hour in range(30):
        put_rollup("mon_a", SLOT + hour * HOUR, [10])
    put_rollup("mon_b", SLOT, [10])
    assert store.delete_monitor_data("mon_a") == 30
    assert store.rollups_between("mon_a", 0, SLOT + 100 * HOUR) == []
    assert len(store.rollups_between("mon_b", 0, SLOT)) == 1
