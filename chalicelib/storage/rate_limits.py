"""Rate-limit counters: one item per key, tier and fixed window, expiring by TTL.

Access pattern: one UpdateItem per request and tier (`ADD hits 1` on condition that the window
is not full), which is atomic and so exact under any concurrency. No read before the write.
A hit is given back with `ADD hits -1` (on condition that one is there): also one atomic write.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import table_meta, update_if


class RateCounterItem(Model):
    Meta = table_meta("rate-limits")

    bucket = UnicodeAttribute(hash_key=True)  # "<key_id>#<tier>#<window start epoch>"
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()


def take_one(bucket: str, limit: int, expires_at) -> int | None:
    """Count one hit; the new count, or None when the window was already full."""
    item = RateCounterItem(bucket)
    condition = RateCounterItem.hits.does_not_exist() | (RateCounterItem.hits < limit)
    if not update_if(item, [RateCounterItem.hits.add(1), RateCounterItem.expires_at.set(expires_at)],
                     condition):
        return None
    return int(item.hits)


def give_back(bucket: str) -> None:
    """Undo one `take_one` that counted (a request that turned out not to count)."""
    item = RateCounterItem(bucket)
    update_if(item, [RateCounterItem.hits.add(-1)], RateCounterItem.hits > 0)
