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
- Where it lives: in this process's memory by default, which is complete for one process (the
  tests, `chalice local`) and for Lambda, where a container serves one request at a time, so
  no read ever joins another. Several processes writing the same tables (the local stack: API
  workers, the event pump, `make key`) share one through a file mapped by each
  (ENORI_WRITE_CLOCK_FILE, set by `local.stack.export_storage_settings` for every process of a
  data dir). A process writing those tables without it would make its writes invisible to the
  others' collapsed reads: every process of the local stack exports it before importing the app.
"""
from __future__ import annotations

import mmap
import os
import struct
import threading
from pathlib import Path

from chalicelib.kernel.settings import settings

_VALUE = struct.Struct("<Q")


class WriteClock:
    """A value changed by every `tick`, in this process's memory or in a mapped `path`."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._path = None if path is None else Path(path)
        self._local = 0
        self._mapped: mmap.mmap | None = None
        self._lock = threading.Lock()

    def now(self) -> int:
        mapped = self._map()
        return self._local if mapped is None else _VALUE.unpack_from(mapped, 0)[0]

    def tick(self) -> None:
        value = int.from_bytes(os.urandom(_VALUE.size), "little")
        mapped = self._map()
        if mapped is None:
            self._local = value
        else:
            _VALUE.pack_into(mapped, 0, value)

    def _map(self) -> mmap.mmap | None:
        """The shared file's mapping (made on first use, in the process that uses it: a mapping
        made before a fork would be shared anyway, but a fresh one is plainly so)."""
        if self._path is None or self._mapped is not None:
            return self._mapped
        with self._lock:
            if self._mapped is None:
                fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    if os.fstat(fd).st_size < _VALUE.size:
                        os.ftruncate(fd, _VALUE.size)
                    self._mapped = mmap.mmap(fd, _VALUE.size)
                finally:
                    os.close(fd)
        return self._mapped


# This process's clock: the data dir's shared one in the local stack, else its own.
write_clock = WriteClock(settings.write_clock_file)
