import pytest

from chalicelib.monitors import scheduling


@pytest.mark.parametrize("interval, ok", [(30, True), (60, True), (90, True), (300, True),
                                          (86400, True), (31_104_000, True),
                                          (45, False), (100, False), (0, False)])
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
    assert scheduling.run_offsets("30s:0:1", 1000, 7) == [7, 37]
    assert scheduling.run_offsets("1:0:1", 1000, 7) == [7]


@pytest.mark.parametrize("interval", [90, 150, 450, 3030])
def test_an_odd_number_of_half_minutes_runs_exactly_every_interval(interval):
    for monitor in ("mon_a", "mon_b", "mon_c"):
        phase = scheduling.phase_for(monitor, interval)
        key = scheduling.schedule_key(interval, phase)
        family = scheduling.family_of(key)
        assert family == f"h{interval // 30}" and phase.offset_seconds < 30
        span = range(1000, 1000 + 3 * interval // 60 + 2)
        runs = [m * 60 + offset for m in span if key in scheduling.keys_due(m, [family])
                for offset in scheduling.run_offsets(key, m, phase.offset_seconds)]
        assert len(runs) >= 3
        assert {b - a for a, b in zip(runs, runs[1:])} == {interval}


def test_the_longest_interval_is_a_minute_family():
    phase = scheduling.phase_for("mon_a", 31_104_000)
    assert scheduling.schedule_key(31_104_000, phase).startswith("518400:")


@pytest.mark.parametrize("interval", [30, 60, 90, 300, 3600])
def test_a_result_shards_monitors_check_at_one_second(interval):
    """Their requests of a minute then share messages, and their results one write; the
    minute phase of a longer interval stays each monitor's, so checks still spread."""
    phases = [scheduling.phase_for(f"mon_{i}", interval, "acc_1#0") for i in range(100)]
    assert len({p.offset_seconds for p in phases}) == 1
    if interval >= 300:
        assert len({p.minute for p in phases}) > 1


def test_shards_spread_over_the_minute():
    offsets = {scheduling.phase_for("mon_a", 60, f"acc_{i}#0").offset_seconds for i in range(300)}
    assert len(offsets) > 50


def test_a_monitor_without_a_shard_keeps_its_own_second():
    assert scheduling.phase_for("mon_a", 60, None) == scheduling.phase_for("mon_a", 60)
