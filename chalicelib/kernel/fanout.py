"""Independent calls run side by side on a bounded pool of threads, every one waited for.

Where one tick issues many independent AWS calls (the scheduler's index Queries and its
SendMessageBatch calls), their round trips overlap: boto3 clients are thread-safe. Every call
is waited for, even after one failed, so a caller that moves a cursor after `run_all` knows
nothing it started is still in flight; the first failure (in the order of `items`) is raised.
"""
from __future__ import annotations

import threading
from concurrent.futures import Executor, Future, wait
from typing import Callable, Iterable, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_all(work: Callable[[Item], Result], items: Iterable[Item],
            pool: Executor | None) -> list[Result]:
    """`work(item)` for every item, results in the order of `items`. Without a pool (or for a
    single item) one after another in this thread, stopping at the first failure."""
    items = list(items)
    if pool is None or len(items) < 2:
        return [work(item) for item in items]
    futures = [pool.submit(work, item) for item in items]
    wait(futures)
    return [future.result() for future in futures]


class OncePerKey:
    """`compute(key)` run once per key, whichever thread asks first; a thread asking while that
    run is under way waits for its result (or its failure) instead of computing it again."""

    def __init__(self, compute: Callable) -> None:
        self._compute = compute
        self._futures: dict = {}
        self._lock = threading.Lock()

    def __call__(self, key):
        with self._lock:
            future = self._futures.get(key)
            first = future is None
            if first:
                future = self._futures[key] = Future()
        if first:
            try:
                future.set_result(self._compute(key))
            except Exception as exc:  # noqa: BLE001 - handed to every caller, raised below
                future.set_exception(exc)
        return future.result()
