"""Request collapsing (kernel.collapse.Collapse, E20): readers of one key arriving while a
computation runs share the NEXT computation, never the running one; errors reach the whole
round and free the key; keys never share. Threads are driven by events: the first computation
is held until the test has seen the others wait."""
from __future__ import annotations

import threading

import pytest

from chalicelib.kernel.collapse import Collapse


class HeldSource:
    """A computation that records each call, answers (key, its call number) and holds the
    first call until `release`; `fail_on`: the call numbers that raise instead."""

    def __init__(self, fail_on: tuple[int, ...] = ()) -> None:
        self.calls: list[str] = []
        self.held, self.holding = threading.Event(), threading.Event()
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def compute(self, key: str):
        with self.lock:
            self.calls.append(key)
            number = len(self.calls)
        if number == 1:
            self.holding.set()
            assert self.held.wait(10)
        if number in self.fail_on:
            raise RuntimeError(f"call {number} failed")
        return key, number


class Reader(threading.Thread):
    """One reader of `key`: its answer (or error), and whether it came while the source held."""

    def __init__(self, collapse: Collapse, source: HeldSource, key: str) -> None:
        super().__init__(daemon=True)
        self.collapse, self.source, self.key = collapse, source, key
        self.answer: object = None
        self.error: BaseException | None = None
        self.early = False

    def run(self) -> None:
        try:
            self.answer = self.collapse.run(self.key, lambda: self.source.compute(self.key))
        except Exception as exc:           # noqa: BLE001 - the test looks at what came back
            self.error = exc
        self.early = not self.source.held.is_set()


def hold_first(collapse: Collapse, source: HeldSource, key: str = "k") -> Reader:
    """A reader whose computation (the source's first call) is running and held."""
    first = Reader(collapse, source, key)
    first.start()
    assert source.holding.wait(10)
    return first


def join_waiting(collapse: Collapse, key: str, count: int) -> None:
    """Wait until `count` readers of `key` wait for the running computation to end."""
    for _ in range(2000):
        if collapse.waiting(key) == count:
            break
        threading.Event().wait(0.005)
    assert collapse.waiting(key) == count


def start_readers(collapse: Collapse, source: HeldSource, key: str, count: int) -> list[Reader]:
    readers = [Reader(collapse, source, key) for _ in range(count)]
    for reader in readers:
        reader.start()
    join_waiting(collapse, key, count)
    return readers


def finish(source: HeldSource, *readers: Reader) -> None:
    source.held.set()
    for reader in readers:
        reader.join(10)
        assert not reader.is_alive()


def test_a_reader_arriving_during_a_computation_gets_the_next_computations_answer():
    collapse, source = Collapse(), HeldSource()
    first = hold_first(collapse, source)
    [late] = start_readers(collapse, source, "k", 1)
    finish(source, first, late)
    assert first.answer == ("k", 1)
    assert late.answer == ("k", 2)           # not the running one's: it started before
    assert not late.early                    # it waited for the running one to end
    assert source.calls == ["k", "k"]


def test_readers_waiting_together_share_one_computation():
    collapse, source = Collapse(), HeldSource()
    first = hold_first(collapse, source)
    waiting = start_readers(collapse, source, "k", 5)
    finish(source, first, *waiting)
    assert [r.answer for r in waiting] == [("k", 2)] * 5
    assert len(source.calls) == 2            # the held one, then one for all five
    assert collapse.waiting("k") == 0


def test_keys_are_forgotten_once_no_computation_of_theirs_runs_or_waits():
    collapse, source = Collapse(), HeldSource(fail_on=(3,))
    first = hold_first(collapse, source)
    waiting = start_readers(collapse, source, "k", 2)
    assert len(collapse) == 1
    finish(source, first, *waiting)
    assert len(collapse) == 0
    with pytest.raises(RuntimeError):
        collapse.run("other", lambda: source.compute("other"))
    assert len(collapse) == 0


def test_a_reader_alone_computes_at_once_and_each_later_one_computes_again():
    collapse, source = Collapse(), HeldSource()
    source.held.set()
    assert [collapse.run("k", lambda: source.compute("k")) for _ in range(3)] == \
        [("k", 1), ("k", 2), ("k", 3)]


def test_an_error_reaches_every_reader_of_its_round_and_the_key_works_afterwards():
    collapse, source = Collapse(), HeldSource(fail_on=(2,))
    first = hold_first(collapse, source)
    waiting = start_readers(collapse, source, "k", 3)
    finish(source, first, *waiting)
    assert first.answer == ("k", 1)
    assert [str(r.error) for r in waiting] == ["call 2 failed"] * 3
    assert len(source.calls) == 2            # one failed computation for the three
    assert collapse.run("k", lambda: source.compute("k")) == ("k", 3)


def test_an_error_of_a_reader_alone_is_its_own_and_frees_the_key():
    collapse, source = Collapse(), HeldSource(fail_on=(2,))
    source.held.set()
    assert collapse.run("k", lambda: source.compute("k")) == ("k", 1)
    with pytest.raises(RuntimeError, match="call 2 failed"):
        collapse.run("k", lambda: source.compute("k"))
    assert collapse.run("k", lambda: source.compute("k")) == ("k", 3)


def test_readers_of_different_keys_never_share_nor_wait_for_each_other():
    collapse, source = Collapse(), HeldSource()
    first = hold_first(collapse, source, "a")
    other = Reader(collapse, source, "b")
    other.start()
    other.join(10)
    assert other.answer == ("b", 2) and other.early     # computed while "a" was held
    assert collapse.waiting("a") == 0
    finish(source, first)
    assert first.answer == ("a", 1)


def test_a_reader_arriving_while_the_next_round_runs_waits_for_the_one_after():
    collapse = Collapse()
    gates = [threading.Event() for _ in range(3)]
    started = [threading.Event() for _ in range(3)]
    calls: list[int] = []

    def compute():
        number = len(calls)
        calls.append(number)
        started[number].set()
        assert gates[number].wait(10)
        return number

    answers: dict[str, int] = {}

    def read(name: str) -> None:
        answers[name] = collapse.run("k", compute)

    threads = {name: threading.Thread(target=read, args=(name,), daemon=True)
               for name in ("first", "second", "third")}
    threads["first"].start()
    assert started[0].wait(10)
    threads["second"].start()
    join_waiting(collapse, "k", 1)
    gates[0].set()
    assert started[1].wait(10)               # the second round runs (the second reader's)
    threads["third"].start()
    join_waiting(collapse, "k", 1)
    gates[1].set()
    gates[2].set()
    for thread in threads.values():
        thread.join(10)
    assert answers == {"first": 0, "second": 1, "third": 2}


class Clock:
    """A write clock the test moves (`kernel.write_clock`'s shape: a value, changed by a tick)."""

    def __init__(self) -> None:
        self.value = 0

    def now(self) -> int:
        return self.value

    def tick(self) -> None:
        self.value += 1


def join_running(collapse: Collapse, key: str, count: int) -> None:
    """Wait until `count` readers besides the first share the running computation."""
    for _ in range(2000):
        if collapse.joined(key) == count + 1:
            return
        threading.Event().wait(0.005)
    assert collapse.joined(key) == count + 1


def test_while_nothing_is_written_readers_arriving_take_the_running_computations_answer():
    clock, source = Clock(), HeldSource()
    collapse = Collapse(unchanged=clock.now)
    clock.tick()                             # written before it began: in its answer
    first = hold_first(collapse, source)
    joined = [Reader(collapse, source, "k") for _ in range(3)]
    for reader in joined:
        reader.start()
    join_running(collapse, "k", 3)
    assert collapse.waiting("k") == 0        # nobody waits for a next computation
    finish(source, first, *joined)
    assert [r.answer for r in (first, *joined)] == [("k", 1)] * 4
    assert source.calls == ["k"]


def test_a_reader_arriving_after_a_write_waits_for_the_next_computation():
    clock, source = Clock(), HeldSource()
    collapse = Collapse(unchanged=clock.now)
    first = hold_first(collapse, source)
    clock.tick()                             # written (and answered) while it reads
    [late] = start_readers(collapse, source, "k", 1)
    finish(source, first, late)
    assert first.answer == ("k", 1)
    assert late.answer == ("k", 2)           # the running one may miss the write
    assert not late.early
    assert source.calls == ["k", "k"]


def test_readers_share_the_running_computation_only_when_it_began_after_the_last_write():
    clock, source = Clock(), HeldSource()
    collapse = Collapse(unchanged=clock.now)
    first = hold_first(collapse, source)
    early = [Reader(collapse, source, "k")]
    early[0].start()
    join_running(collapse, "k", 1)           # before the write: shares the first
    clock.tick()
    after = start_readers(collapse, source, "k", 2)
    finish(source, first, *early, *after)
    assert early[0].answer == ("k", 1)
    assert [r.answer for r in after] == [("k", 2)] * 2
    assert source.calls == ["k", "k"]
