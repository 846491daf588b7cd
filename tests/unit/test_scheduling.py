import pytest

from chalicelib import scheduling


@pytest.mark.parametrize("interval, ok", [(30, True), (60, True), (300, True), (86400, True),
                                          (45, False), (90, False), (0, False)])
def test_it_knows_which_intervals_it_can_schedule(interval, ok):
    assert scheduling.is_schedulable_interval(interval) is ok


def test_it_gives_each_monitor_a_stable_phase_inside_its_interval():
    phase = scheduling.phase_for("mon_abc", 300)
    assert phase == scheduling.phase_for("mon_abc", 300)
    assert 0 <= phase.minute < 5 and 0 <= phase.offset_seconds < 60
    assert 0 <= phase.shard < scheduling.SHARDS


def test_it_keeps_30_second_offsets_in_the_first_half_minute():
    offsets = {scheduling.phase_for(f"mon_{i}", 30).offset_seconds for i in range(200)}
    assert max(offsets) < 30


def test_it_spreads_phases_over_the_interval():
    minutes = {scheduling.phase_for(f"mon_{i}", 600).minute for i in range(500)}
    assert minutes == set(range(10))


def test_a_monitor_is_due_once_per_interval():
    phase = scheduling.phase_for("mon_x", 300)
    key = scheduling.schedule_key(300, phase)
    due_minutes = [m for m in range(1000, 1030) if key in scheduling.keys_due(m, ["5"])]
    assert len(due_minutes) == 6
    assert all(b - a == 5 for a, b in zip(due_minutes, due_minutes[1:]))


def test_a_30_second_monitor_runs_twice_a_minute():
    assert scheduling.run_offsets("30s", 7) == [7, 37]
    assert scheduling.run_offsets("1", 7) == [7]
