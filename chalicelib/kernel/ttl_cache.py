"""A small in-process cache whose entries expire after a fixed age (by the injected clock's
time, so tests move time instead of sleeping) and whose size is bounded (oldest out first).
Thread-safe. Used where a process may remember a lookup briefly: API keys, ping tokens."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl_seconds: float, max_entries: int) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, now: float) -> V | None:
        """The value stored under `key` less than `ttl_seconds` before `now`, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now - entry[0] >= self.ttl_seconds:
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key: str, value: V, stored_at: float) -> None:
        with self._lock:
            self._entries[key] = (stored_at, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
