"""Request collapsing: concurrent identical reads in one process share ONE computation (E20).

Twenty clients polling the same account's monitor list each redid the same Query and
BatchGetItem, and DynamoDB Local's CPU, not the list's own work, set the pace. Here a read that
finds others of its key waiting joins them, and one of them computes the answer for all, the
way `storage.ping_writes.GroupCommit` shares one write: no thread of its own and no timer.

- A read that finds no computation of its key running computes at once, alone (on Lambda,
  where a container holds one request, nothing changes).
- A read that finds one running takes that one's answer only if nothing was written since it
  started (`unchanged`: `kernel.write_clock`'s value, taken as the computation starts and
  again as the read arrives). Then every write acknowledged to anyone before the read arrived
  was done before the computation began to read, so its answer holds it, as the read's own
  would. Polling clients that find the data at rest are served by the computation running
  when they arrive (half a computation's wait on average) instead of the next (one and a half).
- Otherwise (something was written meanwhile, or no `unchanged` given) it does NOT take the
  running one's answer: a write acknowledged to the same client just before could be missing
  from it. It waits for it to end, then joins the NEXT computation, which the first of its
  waiters to wake runs for all of them.
- So every answer comes from a computation that began reading after every write acknowledged
  before its read arrived: read-your-writes holds as if each read ran alone.
- An error of a computation is every one of its readers' error (as it would have been alone),
  and the key is free again for the next round.
- The answer is one object for all of its readers: callers must not mutate it (or must hand
  each reader its own copy).

The key must hold everything the answer depends on (the account, the query...): readers of one
key get one answer. Keys are forgotten once no round of theirs runs or waits.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Generic, Hashable, TypeVar

T = TypeVar("T")


@dataclass(eq=False)
class _Round:
    """One computation and what it gave its readers."""
    readers: int = 0
    done: bool = False
    answer: object = None
    error: BaseException | None = None
    clock: object = None      # `unchanged()` as it began (None: before it began)


@dataclass(eq=False)
class _Key:
    """A key's computation running (if any) and the round waiting for it to end (if any)."""
    ended: threading.Condition
    running: _Round | None = None
    next: _Round | None = None


class Collapse(Generic[T]):
    """Runs `compute()` for a key once per round of the readers of that key (see the module)."""

    def __init__(self, unchanged: Callable[[], object] | None = None) -> None:
        """`unchanged()`: a value that changes whenever anything the answers read is written
        (`kernel.write_clock`); without it, a read never takes a running computation's answer."""
        self._lock = threading.Lock()
        self._keys: dict[Hashable, _Key] = {}
        self._unchanged = unchanged

    def run(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer of a computation of `key` started after this call, or of the one running
        if nothing was written since it began; `compute()`'s error if it raised."""
        with self._lock:
            state = self._keys.get(key)
            if state is None:
                state = self._keys[key] = _Key(threading.Condition(self._lock))
            mine, starts = self._join(state)
        if starts:
            self._compute(key, state, mine, compute)
        if mine.error is not None:
            raise mine.error
        return mine.answer    # type: ignore[return-value]

    def waiting(self, key: Hashable) -> int:
        """How many readers of `key` wait for the computation running to end."""
        with self._lock:
            state = self._keys.get(key)
            return state.next.readers if state is not None and state.next is not None else 0

    def joined(self, key: Hashable) -> int:
        """How many readers share the computation of `key` running (its starter included)."""
        with self._lock:
            state = self._keys.get(key)
            return state.running.readers if state is not None and state.running is not None \
                else 0

    def __len__(self) -> int:
        """How many keys have a computation running or readers waiting (the others are
        forgotten: a process sees no end of different query strings)."""
        with self._lock:
            return len(self._keys)

    def _join(self, state: _Key) -> tuple[_Round, bool]:
        """(Under the lock.) This reader's round, and whether this reader starts it (else
        another reader of the round has done it): while a computation runs, the round after
        it, waited for until that one has ended."""
        running = state.running
        if running is not None and self._unchanged is not None \
                and running.clock == self._unchanged():
            # Nothing written since it began reading: its answer is as fresh as this read's own.
            running.readers += 1
            while not running.done:
                state.ended.wait()
            return running, False
        mine = state.next or _Round()
        mine.readers += 1
        if state.running is not None:
            state.next = mine
            while state.running is not None and not mine.done:
                state.ended.wait()
            if mine.done:             # another reader of the round ran it
                return mine, False
        # Nothing runs: this reader starts its round (with those waiting for it, if any).
        state.running = mine
        if self._unchanged is not None:
            mine.clock = self._unchanged()      # before the computation's first read
        if state.next is mine:
            state.next = None
        return mine, True

    def _compute(self, key: Hashable, state: _Key, mine: _Round, compute: Callable[[], T]) -> None:
        answer, error = None, None
        try:
            answer = compute()
        except BaseException as exc:     # every reader of the round raises it, as alone
            error = exc
        with self._lock:
            mine.answer, mine.error, mine.done = answer, error, True
            state.running = None
            if state.next is None and self._keys.get(key) is state:
                del self._keys[key]      # nobody waits: forget the key
            state.ended.notify_all()
