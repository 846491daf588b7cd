"""Job pings: one item per ping received, expiring with the plan's data retention.

Access patterns (hash monitor_id, range ping_key "<epoch ms:015d>#<random>"):
- record a ping: PutItem on condition that the key does not exist (time + random: two pings in
  one millisecond are two items, never one overwriting the other)
- a monitor's ping history: Query(monitor_id) newest first; from/to is a range-key BETWEEN on
  the zero-padded epoch prefix; the total is a Query with Select=COUNT over the same range
- cascade delete: Query(monitor_id) for keys only + BatchWriteItem deletes
- expiry: the TTL attribute `expires_at`
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import table_meta

_LAST_MS = 10**15 - 1
# Past every random suffix in ASCII, so "<ms>#~" closes a BETWEEN over all pings of that ms.
_AFTER_ANY_SUFFIX = "~"


def ping_key(epoch_ms: int, suffix: str) -> str:
    return f"{int(epoch_ms):015d}#{suffix}"


class PingItem(Model):
    Meta = table_meta("pings")

    monitor_id = UnicodeAttribute(hash_key=True)
    ping_key = UnicodeAttribute(range_key=True)
    account_id = UnicodeAttribute()
    kind = UnicodeAttribute()                    # Success | Fail | Start | Log
    at = UTCDateTimeAttribute()
    method = UnicodeAttribute(null=True)
    runtime_ms = NumberAttribute(null=True)
    message = UnicodeAttribute(null=True)
    source = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    exit_status = NumberAttribute(null=True)     # /ping/{token}/{exit_status}: 0-255
    run_id = UnicodeAttribute(null=True)         # ?rid=: pairs a start with its finish
    expires_at = TTLAttribute()


def insert_ping(item: PingItem) -> None:
    """Write a new ping; a key collision (same ms and random suffix) raises, never overwrites."""
    item.save(condition=PingItem.ping_key.does_not_exist())


def _range(start_ms: int | None, end_ms: int | None):
    low = ping_key(start_ms if start_ms is not None else 0, "")
    high = ping_key(end_ms if end_ms is not None else _LAST_MS, _AFTER_ANY_SUFFIX)
    return PingItem.ping_key.between(low, high)


def query_pings(monitor_id: str, limit: int, start_ms: int | None = None,
                end_ms: int | None = None) -> list[PingItem]:
    """Up to `limit` pings of a monitor, newest first, within [start_ms, end_ms] (inclusive)."""
    return list(PingItem.query(monitor_id, _range(start_ms, end_ms), scan_index_forward=False,
                               limit=limit))


def count_pings(monitor_id: str, start_ms: int | None = None, end_ms: int | None = None) -> int:
    return PingItem.count(monitor_id, _range(start_ms, end_ms))


def delete_pings(monitor_id: str) -> int:
    """Delete every ping of a monitor (Query + batch deletes, never a scan); how many."""
    deleted = 0
    with PingItem.batch_write() as batch:
        for key in PingItem.query(monitor_id, attributes_to_get=["monitor_id", "ping_key"]):
            batch.delete(key)
            deleted += 1
    return deleted
