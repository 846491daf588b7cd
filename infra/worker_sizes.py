"""The check worker's size, the same in every region (home and remote, both lanes).

A check never outlives its worker: the longest monitor timeout the API accepts
(MAX_TIMEOUT_SECONDS), plus the margin a batch keeps to record its results
(RECORD_MARGIN_SECONDS), stays below the Lambda timeout — else a batch of slow checks was killed
with nothing recorded. Memory buys CPU for TLS handshakes and the asyncio loop.
"""
from __future__ import annotations

CHECK_WORKER_TIMEOUT_SECONDS = 360
CHECK_WORKER_MEMORY_MB = 1024


def is_check_worker(function_name: str) -> bool:
    return function_name.startswith("check_worker_")


def worker_settings() -> dict:
    return {"timeout": CHECK_WORKER_TIMEOUT_SECONDS, "memory": CHECK_WORKER_MEMORY_MB}
