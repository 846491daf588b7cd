"""Rate-limit leases: a process admits most reads from hits it took in advance, so that a
common read makes no write of its own while the per-key limits stay exact across processes.

The shared counter (`storage/rate_limits`, one item per key, tier and window) stays the only
truth. A process takes a *block* of n hits with ONE conditional `ADD hits n` (condition
`hits <= limit - n`, atomic in DynamoDB), then admits that key's next n requests of the tier from
memory. Every process (API worker, Lambda container) holds its own leases.

What "exact" means here:
- Never more than the limit: every admitted request spends a hit that the atomic counter granted
  to exactly one process, so in a window admitted + held unused = the counter <= the limit,
  whatever the number of processes and threads.
- Never a refusal while the counter had room: a request is refused (429) only when its process
  holds no hit of the window and the counter could not grant even one (a block that no longer
  fits falls back to a single hit before refusing).
- The only slack is the other way: hits another process still holds unused when the window ends
  are not admitted by anyone, so a client spread over several processes may get fewer than the
  limit, never more. Block sizes keep that small (below), and a process that keeps receiving the
  key's requests spends its block.

Block size: 1 at first in a window; doubled when the previous block was spent within
BUSY_SECONDS (the key is busy in this process), halved otherwise; never above MAX_BLOCK nor a
ROOM_SHARE-th of the room the process last saw, so blocks shrink as the window fills and its last
hits (the last 2 * ROOM_SHARE - 1) are taken one by one.

A lease never outlives its window: it is kept under the window's bucket, and the next window is
a new bucket whose first request takes a new block. Because a leased counter never goes down
within its window (nothing gives back into it), a window seen full stays full: the process then
refuses from memory, with no call, until the window ends.

Only the read tier is leased. Every other tier (the writes' general tier, creating a monitor,
check-now, test alerts) is counted one hit at a time (`endpoint._count`, `take_one`; a
refundable one, `Tier.counts_successes`, gives its hit back with `ADD -1`): a write costs a
write anyway, and so a burst of writes spread over the API's workers is admitted up to the
limit exactly. Leased, it was not: hits one worker held unused at the end of a burst were
refused to the other (a parallel upsert got a 429 at about 77 writes of 100 in a minute, once
the workers shared connections), and a refund must be visible to every process at once.

Headers: a request's count is the counter as its process last saw it less the hits the process
still holds unused, so X-RateLimit-Remaining is what this process can still admit: it falls by
one per request, as with single hits, and, as with single hits, it does not see hits other
processes took since (nor the unused hits they hold, which are counted as used).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from chalicelib.kernel.ttl_cache import TtlCache
from chalicelib.storage import rate_limits as rate_store

# A block spent sooner than this after it was taken means the key is busy here: the next is
# twice as large (about this much of the process's traffic per write).
BUSY_SECONDS = 1.0
# The largest block: at most this many hits idle in one process when its traffic stops.
MAX_BLOCK = 64
# A block takes at most this share of the room left, so concurrent processes rarely ask for
# more than fits and a window's last hits are taken one at a time.
ROOM_SHARE = 4
# How long a lease is remembered: the longest window of a leased tier (an hour, to be safe).
LEASE_MEMORY_SECONDS = 3600

# take(bucket, hits, limit, expires_at) -> the new count, or None when the hits did not fit.
Take = Callable[[str, int, int, datetime], "int | None"]


@dataclass
class Lease:
    """This process's view of one window of one key and tier."""
    unused: int = 0        # hits this process took and has not admitted yet
    counted: int = 0       # the shared counter as this process last saw it
    block: int = 0         # the size of the last block taken
    taken_at: float = 0.0  # when it was taken (clock time)


def block_size(lease: Lease, limit: int, now: float) -> int:
    """How many hits the next block takes (see the module's docstring)."""
    grown = lease.block * 2 if now - lease.taken_at < BUSY_SECONDS else lease.block // 2
    return max(1, min(grown, MAX_BLOCK, (limit - lease.counted) // ROOM_SHARE))


class Leases:
    """One process's leases (`leases` below); a test makes one per simulated process."""

    def __init__(self, take: Take = rate_store.take_block, max_entries: int = 10_000) -> None:
        self._take = take
        self._leases: TtlCache[Lease] = TtlCache(LEASE_MEMORY_SECONDS, max_entries)
        self._lock = threading.Lock()

    def admit(self, bucket: str, limit: int, expires_at: datetime, now: float) -> int | None:
        """Spend one hit of `bucket` on this request: the count to report (the counter as this
        process knows it, less the hits it still holds), or None when the window is full (a
        429)."""
        with self._lock:
            lease = self._lease(bucket, now)
            if lease.unused:
                lease.unused -= 1
                return lease.counted - lease.unused
            if lease.counted >= limit:
                return None
            size = block_size(lease, limit, now)
        # The write runs outside the lock: two threads that both find the lease spent each take
        # a block, and both blocks join the lease.
        counted = self._take(bucket, size, limit, expires_at)
        if counted is None and size > 1:     # others took more meanwhile: one hit may still fit
            size, counted = 1, self._take(bucket, 1, limit, expires_at)
        with self._lock:
            if counted is None:
                lease.counted = max(lease.counted, limit)
                return None
            lease.counted = max(lease.counted, counted)
            lease.unused += size - 1
            lease.block, lease.taken_at = size, now
            return lease.counted - lease.unused

    def decided(self, bucket: str, limit: int, now: float) -> bool:
        """Whether the next `admit` of `bucket` needs no call: a hit is held, or the window was
        seen full (another thread may spend the held hit first: `admit` then takes a block)."""
        with self._lock:
            lease = self._leases.get(bucket, now)
            return lease is not None and (lease.unused > 0 or lease.counted >= limit)

    def _lease(self, bucket: str, now: float) -> Lease:
        lease = self._leases.get(bucket, now)
        if lease is None:
            lease = Lease()
            self._leases.put(bucket, lease, now)
        return lease


leases = Leases()
