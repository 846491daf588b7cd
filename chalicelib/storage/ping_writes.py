"""A ping on disk in ONE write: the ping and the job's state together, in one UpdateItem.

The job's state item (`storage.job_states`) holds the last run, the run in progress, the
deadline, the per-token rate window and the newest pings (`buffer`). A steady ping rewrites it
whole, with its own entry appended to the buffer, on condition that its version is the one the
caller read (or, for a job whose state item does not exist yet, that it still does not): so the
caller may decide from a cached copy, and if anything it relied on moved (another process's
ping, an edit, the sweep), nothing is written and `StaleJobError` says "read again". The rate
window is counted in the same write, so the limit costs no write of its own and stays exact
across processes.

Before that write, when the buffer is full, the ping first stores it as one chunk in the pings
table (`pings.store_chunk`, idempotent: keyed by its first entry); a ping too big for an entry
is stored as an item of its own (its key fixed before any retry). So one write per steady
ping, two per full buffer (≈ 1 + 1/K), and everything answered is on disk before the 200.
Access pattern: [PutItem chunk | PutItem single] + UpdateItem of the job state.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.storage import pings
from chalicelib.storage.base import update_if
from chalicelib.storage.job_states import JobStateItem
from chalicelib.storage.pings import PingItem


class StaleJobError(Exception):
    """The job state moved since it was read (or appeared, for one read as missing)."""


@dataclass(frozen=True)
class JobWrite:
    """The job state a ping leaves, and what must be stored before it."""
    state: JobStateItem                 # the whole new state (version: the one read + 1)
    read_version: int | None            # the version the caller read; None: read as missing
    stored_first: list[PingItem] = field(default_factory=list)   # chunk and/or single ping


# Stored in full by every ping: the state is small and the caller holds all of it.
_WRITTEN = ("account_id", "last_ping_at", "last_start_at", "last_checked_at", "deadline_at",
            "ping_window", "ping_hits")


def _actions(state: JobStateItem) -> list:
    t = JobStateItem
    actions = [t.version.set(int(state.version)), t.buffer.set(list(state.buffer or []))]
    for name in _WRITTEN:
        attribute, value = getattr(t, name), getattr(state, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def record_ping(write: JobWrite) -> None:
    """Store what must come first, then the job state; StaleJobError when its condition failed
    (what was stored first is harmless: a chunk a later flush extends, a ping key no retry
    changes)."""
    for item in write.stored_first:
        if item.kind == pings.CHUNK:
            pings.store_chunk(item)
        else:
            pings.store_single(item)
    t, state = JobStateItem, write.state
    condition = t.monitor_id.does_not_exist() if write.read_version is None \
        else t.version == write.read_version
    if not update_if(t(state.shard, state.monitor_id), _actions(state), condition):
        raise StaleJobError(state.monitor_id)
