import pytest

from chalicelib.rules.escalation_steps import level_of, run_of, step_offset_seconds, total_steps


@pytest.mark.parametrize("delays, repeat, minutes", [
    ([0], 0, [0]),
    ([0], 2, [0, 1, 2]),
    ([5], 2, [5, 15, 25]),
    ([0, 1], 1, [0, 1, 2, 3]),
    ([0, 15, 30], 1, [0, 15, 30, 45, 60, 75]),
    ([10, 10], 1, [10, 10, 20, 20]),
])
def test_it_spaces_the_steps_of_each_run(delays, repeat, minutes):
    steps = range(total_steps(len(delays), repeat))
    assert [step_offset_seconds(delays, k) // 60 for k in steps] == minutes


def test_it_numbers_levels_from_one_and_runs_from_zero():
    assert [(level_of(k, 3), run_of(k, 3)) for k in range(4)] == [(1, 0), (2, 0), (3, 0), (1, 1)]
