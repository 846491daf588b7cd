"""The write clock: a value that changes every time a DynamoDB write of this stack is answered
(E20), so a reader can tell whether anything was written since a moment it remembers.

`kernel.collapse` needs exactly that. A list arriving while an identical one is being read may
take that read's answer only if no write was acknowledged between the read's start and the
list's arrival: then every write acknowledged to anyone before the list arrived was done before
the read began, and the read (strongly consistent) holds it, as a read of the list's own would.

- `tick()` runs after each DynamoDB write call returns (`storage.base` hooks botocore), before
  the request that wrote answers its client. Failed writes tick too: one tick too many only
  costs a shared read.
- `now()` is the value; it is never the same after a tick. Each tick draws a fresh random
  64-bit value rather than adding one: two processes that read the same count and both stored
  count + 1 would leave the value a reader saw before the second write.
- Where it lives (`kernel.shared_memory`): in this process's memory by default, which is
  complete for one process (the tests, `chalice local`) and for Lambda, where a container
  serves one request at a time, so no read ever joins another; in a file every process of a
  local data dir maps, so that a write in one is seen by the collapsed reads of all. A process
  writing those tables without it would make its writes invisible to the others' collapsed
  reads: every process of the local stack names the directory before importing the app.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

from chalicelib.kernel.shared_memory import SharedBytes

_VALUE = struct.Struct("<Q")


class WriteClock:
    """A value changed by every `tick` (in `directory`, else the shared directory if any)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._bytes = SharedBytes("write-clock", _VALUE.size, directory)

    def now(self) -> int:
        return _VALUE.unpack_from(self._bytes.buffer, 0)[0]

    def tick(self) -> None:
        _VALUE.pack_into(self._bytes.buffer, 0, int.from_bytes(os.urandom(_VALUE.size), "little"))


# This process's clock: the data dir's shared one in the local stack, else its own.
write_clock = WriteClock()
