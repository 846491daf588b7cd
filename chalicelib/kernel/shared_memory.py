"""Small files every local process of one data dir maps, to share a few numbers without a call
(E20): the write clock (`kernel.write_clock`) and the job versions (`kernel.version_board`).

The local stack runs several processes on the same tables (API workers, the event pump,
`make key`); `local.stack.export_storage_settings` names the directory for all of them
(ENORI_SHARED_MEMORY_DIR). Without it (Lambda, the tests, `chalice local`) each process keeps
its own copy in memory, which is complete for one process.
"""
from __future__ import annotations

import mmap
import os
import threading
from pathlib import Path

from chalicelib.kernel.settings import settings


class SharedBytes:
    """`size` zeroed bytes: in the file `name` of the shared directory, mapped on first use by
    the process that uses it, or in this process's memory when there is none."""

    def __init__(self, name: str, size: int, directory: str | Path | None = None) -> None:
        directory = settings.shared_memory_dir if directory is None else directory
        self.path = Path(directory) / name if directory else None
        self.size = size
        self._buffer: mmap.mmap | bytearray | None = None
        self._lock = threading.Lock()

    @property
    def buffer(self) -> mmap.mmap | bytearray:
        if self._buffer is None:
            with self._lock:
                if self._buffer is None:
                    self._buffer = bytearray(self.size) if self.path is None else self._map()
        return self._buffer

    def _map(self) -> mmap.mmap:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < self.size:
                os.ftruncate(fd, self.size)      # zero-filled
            return mmap.mmap(fd, self.size)
        finally:
            os.close(fd)
