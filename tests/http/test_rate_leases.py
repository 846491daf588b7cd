"""Rate-limit leases (E20): a process admits most requests from a block of hits it took with one
conditional write, and the per-key limit stays exact across processes. Each `Leases` here is
one process (an API worker, a Lambda container); they share the real counter (moto) or, for
threads, a counter with the same atomic semantics."""
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

from awsrequests import counted_aws_requests

EXPIRES = datetime(2030, 1, 1, tzinfo=timezone.utc)
WINDOW = 60


def window_of(clock) -> tuple[str, float]:
    """The bucket of a 60 s window of one key and the window's start; the clock at that start."""
    from chalicelib.http import ratelimits

    clock.set(clock.now().replace(second=0, microsecond=0))
    start = ratelimits.window_start(clock.time(), ratelimits.Tier("read", 1, WINDOW))
    return f"key_test#read#{start}", start


def counter(bucket: str) -> int:
    from chalicelib.storage.rate_limits import RateCounterItem

    return int(RateCounterItem.get(bucket, consistent_read=True).hits)


class AtomicCounter:
    """The shared counter's semantics (`rate_limits.take_block`) in memory, for threads."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.writes = 0
        self._lock = threading.Lock()

    def take(self, bucket, hits, limit, expires_at):
        with self._lock:
            self.writes += 1
            if self.hits.get(bucket, 0) > limit - hits:
                return None
            self.hits[bucket] = self.hits.get(bucket, 0) + hits
            return self.hits[bucket]


# --- the shared counter ---------------------------------------------------------------------

def test_a_block_is_taken_only_when_all_of_it_fits(aws):
    from chalicelib.storage import rate_limits

    assert rate_limits.take_block("b", 7, 10, EXPIRES) == 7
    assert rate_limits.take_block("b", 4, 10, EXPIRES) is None     # only 3 left
    assert rate_limits.take_block("b", 3, 10, EXPIRES) == 10
    assert rate_limits.take_one("b", 10, EXPIRES) is None
    assert counter("b") == 10
    with pytest.raises(ValueError):      # an absent counter would take any block
        rate_limits.take_block("fresh", 11, 10, EXPIRES)


# --- block sizes ----------------------------------------------------------------------------

def test_blocks_double_while_busy_up_to_the_cap_and_halve_when_idle():
    from chalicelib.http.rate_leases import MAX_BLOCK, Lease, block_size

    lease, sizes = Lease(), []
    for _ in range(9):                      # every block spent at once: busy
        size = block_size(lease, 1_000_000, now=0.5)
        sizes.append(size)
        lease.block, lease.taken_at = size, 0.0
    assert sizes == [1, 2, 4, 8, 16, 32, 64, 64, 64] and MAX_BLOCK == 64
    assert block_size(lease, 1_000_000, now=5.0) == 32          # spent slowly: halved


def test_blocks_shrink_to_one_hit_as_the_window_fills():
    from chalicelib.http.rate_leases import Lease, block_size

    busy = Lease(block=64, taken_at=0.0)
    sizes = {room: block_size(Lease(block=64, counted=200 - room), 200, now=0.0)
             for room in (200, 100, 40, 8, 7, 1)}
    assert sizes == {200: 50, 100: 25, 40: 10, 8: 2, 7: 1, 1: 1}
    assert block_size(busy, 1, now=0.0) == 1


# --- exactness across processes -------------------------------------------------------------

def test_processes_sharing_a_key_admit_exactly_the_limit_and_the_next_window_resets(clock):
    from chalicelib.http.rate_leases import Leases

    limit = 50
    processes = [Leases(), Leases(), Leases()]
    order = random.Random(20).choices(range(3), k=600)
    for window in range(2):
        bucket, _ = window_of(clock)
        admitted = []
        for turn, process in enumerate(order):
            clock.advance(0.05)              # 30 s of traffic, all inside one window
            if processes[process].admit(bucket, limit, EXPIRES, clock.time()) is not None:
                admitted.append(turn)
        assert len(admitted) == limit and counter(bucket) == limit   # no hit left idle
        assert admitted[-1] < 300            # the rest of the window was refused
        clock.advance(WINDOW)


def test_threads_in_several_processes_never_pass_the_limit():
    from chalicelib.http.rate_leases import Leases

    shared = AtomicCounter()
    processes = [Leases(take=shared.take) for _ in range(4)]
    limit, attempts = 1000, 3000

    def one(i):
        return processes[i % 4].admit("k#read#0", limit, EXPIRES, now=i / 1000)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(attempts)))
    assert sum(answer is not None for answer in answers) == limit
    assert shared.hits["k#read#0"] == limit
    assert shared.writes < limit / 4          # most admissions came from leases


def test_a_block_that_no_longer_fits_falls_back_to_one_hit_before_refusing(clock):
    from chalicelib.http.rate_leases import Leases
    from chalicelib.storage import rate_limits

    bucket, _ = window_of(clock)
    mine = Leases()
    assert [mine.admit(bucket, 100, EXPIRES, clock.time()) for _ in range(3)] == [1, 2, 3]
    # Another process takes all but one hit: this one's next block of 4 cannot fit.
    assert rate_limits.take_block(bucket, 96, 100, EXPIRES) == 99
    assert mine.admit(bucket, 100, EXPIRES, clock.time()) == 100     # the last hit, not a 429
    with counted_aws_requests() as seen:
        assert mine.admit(bucket, 100, EXPIRES, clock.time()) is None
    assert seen.calls == []       # a window seen full is refused from memory until it ends


def test_it_knows_when_a_request_needs_no_call(clock):
    from chalicelib.http.rate_leases import Leases

    bucket, _ = window_of(clock)
    mine, now = Leases(), clock.time()
    assert not mine.decided(bucket, 3, now)                  # nothing held yet
    assert mine.admit(bucket, 3, EXPIRES, now) == 1
    assert not mine.decided(bucket, 3, now)                  # the block of one is spent
    assert mine.admit(bucket, 3, EXPIRES, now) == 2
    assert mine.admit(bucket, 3, EXPIRES, now) == 3
    assert mine.decided(bucket, 3, now)                      # seen full: refused from memory
    assert mine.admit(bucket, 3, EXPIRES, now) is None


def test_a_lease_never_outlives_its_window(clock):
    from chalicelib.http.rate_leases import Leases

    bucket, start = window_of(clock)
    mine = Leases()
    clock.advance(WINDOW - 1)
    assert [mine.admit(bucket, 200, EXPIRES, clock.time()) for _ in range(2)] == [1, 2]
    clock.advance(1)                       # one hit of the block is left, in the last window
    bucket, start = window_of(clock)
    assert mine.admit(bucket, 200, EXPIRES, clock.time()) == 1
    assert counter(bucket) == 1
    assert counter(f"key_test#read#{start - WINDOW}") == 3


# --- through the API ------------------------------------------------------------------------

def test_reads_over_two_processes_stop_at_the_limit_and_the_window_resets_it(api, clock,
                                                                            monkeypatch):
    from chalicelib.http import rate_leases, ratelimits

    monkeypatch.setitem(ratelimits.TIERS, "read", ratelimits.Tier("read", 30, WINDOW))
    window_of(clock)
    processes = [rate_leases.Leases(), rate_leases.Leases()]

    def read(turn):
        monkeypatch.setattr(rate_leases, "leases", processes[turn % 2])
        return api.get("/api/monitors")

    answers = [read(turn) for turn in range(50)]
    assert [a.status_code for a in answers].count(200) == 30
    assert [a.status_code for a in answers[-10:]] == [429] * 10
    assert all(a.headers["Retry-After"] for a in answers if a.status_code == 429)
    clock.advance(WINDOW)
    assert read(0).status_code == 200 and read(1).status_code == 200


def test_remaining_falls_by_one_per_request_and_never_above_what_can_be_admitted(api, clock):
    """X-RateLimit-Remaining is what the process can still admit: the room the shared counter
    had when it last looked plus the hits it holds. So it falls by one per request, as with
    single hits, although the counter moved in blocks."""
    from chalicelib.http import ratelimits

    _, start = window_of(clock)
    answers = [api.get("/api/monitors") for _ in range(12)]
    bucket = ratelimits.bucket_key(api_key_id(api), ratelimits.TIERS["read"], start)
    remaining = [int(a.headers["X-RateLimit-Remaining"]) for a in answers]
    assert remaining == list(range(199, 187, -1))
    assert counter(bucket) > 12          # blocks were taken ahead of the requests


def api_key_id(api) -> str:
    from chalicelib.http import auth

    return auth.authenticate(api.key).key_id


def test_failed_creates_give_their_hit_back_whichever_process_serves_the_next(api, clock,
                                                                              monkeypatch):
    """The create tier counts successes (a failure gives its hit back), so it is not leased: a
    hit given back by one process is there at once for the other, and exactly 10 creates of
    an hour succeed however the requests are spread."""
    from chalicelib.http import rate_leases

    processes = [rate_leases.Leases(), rate_leases.Leases()]
    website = {"type": "Website", "url": "https://api.example.com"}
    statuses = []
    for turn in range(24):
        monkeypatch.setattr(rate_leases, "leases", processes[turn % 2])
        failing = turn % 4 == 3                  # a 400: the name is empty
        body = {**website, "name": "" if failing else f"m{turn}"}
        statuses.append(api.post("/api/monitors", body).status_code)
    created = [s for turn, s in enumerate(statuses) if turn % 4 != 3]
    assert created == [201] * 10 + [429] * 8
    # failures before the 10th create answer 400 and cost nothing; after it, the tier is full
    assert [s for turn, s in enumerate(statuses) if turn % 4 == 3] == [400] * 3 + [429] * 3


def test_a_burst_of_writes_spread_over_two_processes_is_admitted_up_to_the_limit(
        api, clock, monkeypatch):
    """Writes are counted one by one, not leased: a process whose part of a burst ended holds
    no hits the other is then refused (leased, the first kept a block unused and the second got
    429s well before the limit)."""
    from chalicelib.http import rate_leases, ratelimits

    monkeypatch.setitem(ratelimits.TIERS, "general", ratelimits.Tier("general", 30, WINDOW))
    window_of(clock)
    processes = [rate_leases.Leases(), rate_leases.Leases()]
    invalid = {"type": "Website", "url": "https://api.example.com", "name": ""}   # a 400

    def write(process):
        monkeypatch.setattr(rate_leases, "leases", processes[process])
        return api.post("/api/monitors", invalid).status_code

    statuses = [write(0) for _ in range(13)] + [write(1) for _ in range(23)]
    assert statuses == [400] * 30 + [429] * 6
