"""Each monitor's number in its account (`MonitorItem.result_seq`): its result shard and its
index there (`storage.result_batches.shard_of`), so a shard's results share one minute item.

A monitor is numbered when it is created (`number_new`); a monitor created before numbering is
numbered once by the first worker that records a result of it (`ensure_numbered`). A number is
never given twice (an atomic ADD on the account) and never reused, also after a delete: a
deleted monitor's index keeps its old entries until they expire.
"""
from __future__ import annotations

from chalicelib.storage import monitors as monitor_store
from chalicelib.storage.accounts import next_monitor_number
from chalicelib.storage.monitors import MonitorItem
from chalicelib.storage.result_batches import place_of, register_shard, shard_of


def number_new(account_id: str) -> int:
    """The account's next monitor number, its shard registered for the hourly rollup job (an
    idempotent put). A create that fails afterwards leaves its number unused: never reused."""
    seq = next_monitor_number(account_id)
    register_shard(shard_of(account_id, seq)[0], account_id)
    return seq


def shard_key_of(monitor: MonitorItem) -> str | None:
    """The monitor's result shard; None if it has no number yet."""
    place = place_of(monitor)
    return None if place is None else place[0]


def ensure_numbered(monitor: MonitorItem) -> int | None:
    """The monitor's number, given now (and set on `monitor`) if it had none: a conditional
    SET, so of two workers racing one wins and the other reads the winner's number (its own
    stays unused). None if the monitor is gone."""
    if monitor.result_seq is not None:
        return int(monitor.result_seq)
    seq = number_new(monitor.account_id)
    if not monitor_store.set_result_seq(monitor.account_id, monitor.monitor_id, seq):
        stored = monitor_store.get_monitor(monitor.account_id, monitor.monitor_id)
        if stored is None or stored.result_seq is None:
            return None
        seq = int(stored.result_seq)
    monitor.result_seq = seq
    return seq
