"""What one process remembers between pings of a token: its Job monitor and job state, kept
at most `TTL_SECONDS`, so that a steady ping is one DynamoDB call (`storage.ping_writes`).

Nothing here is trusted blindly: every write is conditional on the remembered job state's
version, which every ping, sweep, edit, pause, resume and token rotation bumps, so a stale entry
costs a re-read, never a wrong answer. A token that was rotated or deleted fails that condition
at once (the version moved or the item is gone), so the cache never keeps a retired token alive. The one thing answered from memory alone is a
full rate window: counts only grow within a window, so a window seen full stays full.

Bounded (`MAX_ENTRIES`, oldest dropped first) and per process: on Lambda, per container.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from chalicelib.storage.job_states import JobStateItem
from chalicelib.storage.monitor_states import MonitorStateItem
from chalicelib.storage.monitors import MonitorItem
from chalicelib.kernel.ttl_cache import TtlCache

# Longer than a minute on purpose: a job pinged every minute meets its entry 60 s old, and a
# 60 s bound made every such ping read everything again (5 reads, $0.027 a monitor-month). The
# bound does not make the entry right (each write's condition proves it, at once); it only
# limits how long the account's retention, read with it, may lag a plan change.
TTL_SECONDS = 900
MAX_ENTRIES = 10_000


@dataclass
class JobSnapshot:
    """A token's monitor and job state as last read or written by this process."""
    monitor: MonitorItem                        # with its job state shown on it (`overlay`)
    retention_days: int
    loaded_at: float                            # epoch s, from the injected clock
    job: JobStateItem                           # the job state as read or last written
    job_stored: bool                            # False: the job state item does not exist yet
    state: MonitorStateItem | None = None       # the evaluator's state, when known current


class PingCache:
    def __init__(self, ttl_seconds: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._snapshots: TtlCache[JobSnapshot] = TtlCache(ttl_seconds, max_entries)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @staticmethod
    def _key(token: str) -> str:
        # Tokens are secrets: held only as a hash, like the rate-limit buckets were.
        return hashlib.sha256(token.encode()).hexdigest()

    def get(self, token: str, now: float) -> JobSnapshot | None:
        """The token's snapshot if it was first read less than `TTL_SECONDS` ago."""
        return self._snapshots.get(self._key(token), now)

    def put(self, token: str, snapshot: JobSnapshot) -> None:
        """Keep a snapshot, unless its job has no state item yet: a first write is conditional
        only on the state not existing, which proves nothing about the monitor, so it is always
        made from a fresh read."""
        if snapshot.job_stored:
            self._snapshots.put(self._key(token), snapshot, snapshot.loaded_at)

    def drop(self, token: str) -> None:
        self._snapshots.drop(self._key(token))

    def lock(self, token: str) -> threading.Lock:
        """One lock per token: this process's pings of one token go one at a time, so they
        never cancel each other's transactions (pings of different tokens run in parallel)."""
        key = self._key(token)
        with self._guard:
            if len(self._locks) > self.max_entries:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            return self._locks.setdefault(key, threading.Lock())

    def clear(self) -> None:
        self._snapshots.clear()


cache = PingCache()
