"""The newest version of each item that any local process wrote, as far as it knows: a hint
that saves a write doomed to be refused (E20).

A process remembers a job's state between pings (`heartbeats.ping_cache`) and writes the next
one on condition that the stored version is the one it remembers. With two API workers, a
token's pings land on either; each ping one worker writes makes the other's copy stale, and its
next write of that job is refused, and cancels with it the other pings grouped in its
transaction (`storage.ping_writes`): in a bench of 50 tokens at 20 connections, two groups in
five. Each worker now notes the version it wrote here; before writing, a worker whose copy is
older than the board's reads the job again first.

Only a hint, never the truth: the write stays conditional, so a hint lost or wrong costs at
most the refused write there was before. Fixed slots (a key's 64-bit hash picks one; the last
writer of a slot wins), no lock: a torn read is one more wrong hint.
Shared through `kernel.shared_memory` (a file of the data dir in the local stack; elsewhere this
process's own board, which only ever holds what its own copies hold: it changes nothing).
"""
from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from chalicelib.kernel.shared_memory import SharedBytes

_ENTRY = struct.Struct("<QQ")     # (the key's hash, its newest version noted)
SLOTS = 1 << 16                   # 1 MiB: far more jobs than one machine serves


class VersionBoard:
    def __init__(self, name: str, directory: str | Path | None = None,
                 slots: int = SLOTS) -> None:
        self.slots = slots
        self._bytes = SharedBytes(name, slots * _ENTRY.size, directory)

    def note(self, key: str, version: int) -> None:
        """`version` of `key` was just written."""
        hashed = _hash(key)
        _ENTRY.pack_into(self._bytes.buffer, self._offset(hashed), hashed, version)

    def newer(self, key: str, version: int) -> bool:
        """Whether a version of `key` newer than `version` was noted (False when unknown)."""
        hashed = _hash(key)
        noted_key, noted = _ENTRY.unpack_from(self._bytes.buffer, self._offset(hashed))
        return noted_key == hashed and noted > version

    def _offset(self, hashed: int) -> int:
        return (hashed % self.slots) * _ENTRY.size


def _hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") or 1


# The job states' versions (`heartbeats.service.receive_ping`).
job_versions = VersionBoard("job-versions")
