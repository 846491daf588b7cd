"""Checks in flight per batch follow the function's memory (its CPU share)."""
from chalicelib.checks.runner import concurrency_for


def test_a_small_function_keeps_at_least_sixteen_checks_in_flight():
    assert concurrency_for(128) == 16
    assert concurrency_for(256) == 32


def test_more_memory_runs_more_checks_at_once_up_to_a_hundred_and_twenty_eight():
    assert concurrency_for(512) == 64
    assert concurrency_for(1024) == 128
    assert concurrency_for(3008) == 128
