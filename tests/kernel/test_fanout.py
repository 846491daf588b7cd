"""Calls side by side: every one waited for, the first failure raised; a shared read done once."""
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from chalicelib.kernel.fanout import OncePerKey, run_all


class HeldPool:
    """An Executor whose calls finish only when the test says so (futures it hands out)."""

    def __init__(self):
        self.futures: dict = {}
        self.submitted = threading.Event()

    def submit(self, work, item):
        self.futures[item] = Future()
        if len(self.futures) == 2:
            self.submitted.set()
        return self.futures[item]


def test_it_runs_the_calls_side_by_side_and_keeps_their_order():
    both_in_flight = threading.Barrier(2, timeout=10)   # breaks unless two calls overlap

    def work(item):
        both_in_flight.wait()
        return item * 10

    with ThreadPoolExecutor(2) as pool:
        assert run_all(work, [1, 2], pool) == [10, 20]


def test_it_returns_only_once_every_call_finished_even_after_one_failed():
    pool, outcome = HeldPool(), {}

    def call():
        try:
            run_all(lambda item: item, ["fails", "slow"], pool)
        except RuntimeError as exc:
            outcome["raised"] = exc

    caller = threading.Thread(target=call)
    caller.start()
    assert pool.submitted.wait(10)
    pool.futures["fails"].set_exception(RuntimeError("refused"))
    caller.join(0.2)
    assert caller.is_alive() and outcome == {}         # still waiting for the slow call
    pool.futures["slow"].set_result("slow")
    caller.join(10)
    assert str(outcome["raised"]) == "refused"


def test_without_a_pool_it_runs_in_order_and_stops_at_the_first_failure():
    seen = []

    def work(item):
        seen.append(item)
        if item == 2:
            raise ValueError("two")
        return item

    with pytest.raises(ValueError):
        run_all(work, [1, 2, 3], None)
    assert seen == [1, 2]


def test_a_key_asked_by_two_threads_at_once_is_computed_once():
    started, release, computed = threading.Event(), threading.Event(), []

    def compute(key):
        computed.append(key)
        started.set()
        assert release.wait(10)
        return f"jobs of {key}"

    once = OncePerKey(compute)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(once, 7)
        assert started.wait(10)
        second = pool.submit(once, 7)               # arrives while the first read runs
        release.set()
        assert (first.result(10), second.result(10)) == ("jobs of 7", "jobs of 7")
    assert computed == [7]
    assert once(8) == "jobs of 8" and computed == [7, 8]


def test_a_failed_computation_is_raised_to_every_caller():
    def compute(key):
        raise ConnectionError("index unreachable")

    once = OncePerKey(compute)
    for _ in range(2):
        with pytest.raises(ConnectionError):
            once(1)
