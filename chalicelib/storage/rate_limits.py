"""Rate-limit counters: one item per key, tier and fixed window, expiring by TTL.

Access pattern: one UpdateItem takes a block of n hits (`ADD hits n` on condition that n still
fit: `hits <= limit - n`), which is atomic and so exact under any concurrency; n is 1 for a
single request (`take_one`), more for a process's lease (`http/rate_leases.py`). No read before
the write. A hit is given back with `ADD hits -1` (on condition that one is there): also one
atomic write.
"""
from __future__ import annotations

from pynamodb.attributes import (ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.models import Model

from chalicelib.storage.base import get_or_none, save_if, table_meta, update_if


class RateCounterItem(Model):
    Meta = table_meta("rate-limits")

    bucket = UnicodeAttribute(hash_key=True)  # "<key_id>#<tier>#<window start epoch>"
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()


def take_one(bucket: str, limit: int, expires_at) -> int | None:
    """Count one hit; the new count, or None when the window was already full."""
    return take_block(bucket, 1, limit, expires_at)


def take_block(bucket: str, hits: int, limit: int, expires_at) -> int | None:
    """Count `hits` hits at once if they all fit under `limit`; the new count, or None (nothing
    counted) when fewer than `hits` were left."""
    if not 0 < hits <= limit:   # an absent counter passes the condition whatever `hits` is
        raise ValueError(f"a block of {hits} hits cannot fit a limit of {limit}")
    item = RateCounterItem(bucket)
    condition = RateCounterItem.hits.does_not_exist() | (RateCounterItem.hits <= limit - hits)
    if not update_if(item, [RateCounterItem.hits.add(hits),
                            RateCounterItem.expires_at.set(expires_at)], condition):
        return None
    return int(item.hits)


def give_back(bucket: str) -> None:
    """Undo one `take_one` that counted (a request that turned out not to count)."""
    item = RateCounterItem(bucket)
    update_if(item, [RateCounterItem.hits.add(-1)], RateCounterItem.hits > 0)


class SignInFailuresItem(Model):
    """Failed password sign-ins of one email address (`accounts/lockout.py` decides the lock).

    Same table, its own key prefix (`signin-failures#<email>`). Access patterns: GetItem before
    a password is checked; after a failure, PutItem on condition the `version` read is still
    there (retried on a race, so no failure is lost); after a success, DeleteItem.
    """
    Meta = table_meta("rate-limits")

    bucket = UnicodeAttribute(hash_key=True)
    failures = ListAttribute(of=UTCDateTimeAttribute, default=list)
    locked_until = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


def failures_key(email: str) -> str:
    return f"signin-failures#{email}"


def get_failures(email: str) -> SignInFailuresItem:
    """The failures of `email` (an empty, version 0 item when there are none)."""
    return get_or_none(SignInFailuresItem, failures_key(email)) or \
        SignInFailuresItem(failures_key(email))


def save_failures(item: SignInFailuresItem) -> bool:
    """Write `item` as the next version of what was read; False if another write came first."""
    seen = int(item.version or 0)
    s = SignInFailuresItem
    condition = s.bucket.does_not_exist() if seen == 0 else s.version == seen
    item.version = seen + 1
    return save_if(item, condition)


def clear_failures(email: str) -> None:
    SignInFailuresItem(failures_key(email)).delete()
