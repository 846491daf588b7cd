"""The job state item and the ping chunks (storage.job_states, storage.pings, storage.ping_writes):
one write unit per ping, idempotent flushes, history read across the buffer and the chunks."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.storage import job_states, ping_writes, pings
from chalicelib.storage.job_states import JobStateItem
from chalicelib.storage.pings import PingItem

T0 = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)
MONITOR = "mon_jobstate000001"


def a_ping(seconds: float, kind="Success", message=None, suffix="aaaa0000") -> PingItem:
    at = T0 + timedelta(seconds=seconds)
    return PingItem(MONITOR, pings.ping_key(int(at.timestamp() * 1000), suffix),
                    account_id="acc_1", kind=kind, at=at, method="GET", source="203.0.113.9",
                    user_agent="curl/8.5.0", message=message,
                    expires_at=at + timedelta(days=30))


def entries(*seconds) -> list[str]:
    return [pings.encode_entry(a_ping(s)) for s in seconds]


def item_size(item: JobStateItem) -> int:
    """DynamoDB's item size: attribute names plus values, as it bills writes."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from common.awscount import item_size as size

    return size(item.serialize())


def test_an_entry_keeps_every_field_the_history_shows():
    original = a_ping(1.5, kind="Fail", message="exit 3 – disk full")
    original.exit_status, original.run_id, original.runtime_ms = 3, "rid-1", 1234
    back = pings.decode_entry(MONITOR, "acc_1", pings.encode_entry(original))
    for name in ("ping_key", "kind", "at", "method", "runtime_ms", "message", "source",
                 "user_agent", "exit_status", "run_id"):
        assert getattr(back, name) == getattr(original, name), name


def test_a_full_state_stays_within_one_write_unit():
    """The buffer's bound (heartbeats.service.BUFFER_BYTES) with typical entries and every
    other field set: under 1 KB, so each ping's PutItem is one write unit."""
    from chalicelib.heartbeats.service import BUFFER_BYTES

    buffer = []
    while sum(len(e.encode()) + 1 for e in buffer + entries(len(buffer))) <= BUFFER_BYTES:
        buffer += entries(len(buffer))
    state = JobStateItem(job_states.shard_of(MONITOR), MONITOR, account_id="acc_1",
                         version=123456, last_ping_at=T0, last_start_at=T0, last_checked_at=T0,
                         deadline_at=1774350000, ping_window=1774349940, ping_hits=299,
                         buffer=buffer)
    assert len(buffer) >= 5
    assert item_size(state) <= 1024


def test_a_chunk_is_never_replaced_by_a_shorter_one(aws):
    longer = pings.chunk_item(MONITOR, "acc_1", entries(1, 2, 3), T0 + timedelta(days=30))
    shorter = pings.chunk_item(MONITOR, "acc_1", entries(1, 2), T0 + timedelta(days=30))
    assert longer.ping_key == shorter.ping_key          # keyed by the first entry
    assert pings.store_chunk(shorter)
    assert pings.store_chunk(longer)                     # a longer buffer extends it
    assert not pings.store_chunk(shorter)                # a stale process's flush is refused
    assert not pings.store_chunk(longer)                 # a retry changes nothing
    [stored] = PingItem.query(MONITOR)
    assert stored.count == 3


def test_history_reads_the_buffer_and_the_chunks_once_each_newest_first(aws):
    pings.store_chunk(pings.chunk_item(MONITOR, "acc_1", entries(10, 20, 30),
                                       T0 + timedelta(days=30)))
    pings.store_single(a_ping(40, message="x" * 1000))
    # A flush that landed while its buffer was still in the state: given once.
    buffer = entries(30, 50, 60)
    keys = [p.ping_key for p in pings.newest_first(MONITOR, "acc_1", pings.parse_buffer(buffer))]
    assert keys == sorted(set(keys), reverse=True) and len(keys) == 6
    # A window starting inside the chunk still finds the chunk's later pings.
    start, end = int((T0 + timedelta(seconds=15)).timestamp() * 1000), \
        int((T0 + timedelta(seconds=45)).timestamp() * 1000)
    inside = list(pings.newest_first(MONITOR, "acc_1", pings.parse_buffer(buffer), start, end))
    assert [p.at for p in inside] == [T0 + timedelta(seconds=s) for s in (40, 30, 20)]


def test_a_state_write_is_refused_when_the_version_moved(aws):
    state = JobStateItem(job_states.shard_of(MONITOR), MONITOR, account_id="acc_1", version=1,
                         buffer=entries(1))
    ping_writes.record_ping(ping_writes.JobWrite(state, None))          # created
    with pytest.raises(ping_writes.StaleJobError):
        ping_writes.record_ping(ping_writes.JobWrite(state, None))      # exists already
    state.version = 2
    ping_writes.record_ping(ping_writes.JobWrite(state, 1))
    with pytest.raises(ping_writes.StaleJobError):
        ping_writes.record_ping(ping_writes.JobWrite(state, 1))         # someone wrote 2
    assert job_states.get_state(MONITOR).version == 2
    assert job_states.bump(MONITOR, 1) is None and job_states.bump(MONITOR, 2) == 3
