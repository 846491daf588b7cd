"""Port checker: can a TCP connection to host:port be opened (through the guard)?"""
from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from chalicelib.checks.checkers.base import (
    CheckDeps,
    CheckResult,
    Stopwatch,
    failure,
    network_failure,
    timed_out,
    timeout_of,
)
from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.netguard import connect_tcp


def host_of(target: str) -> str:
    """Users paste URLs into host fields; accept `host`, `[v6]`, and `scheme://host/...`."""
    target = target.strip()
    if "://" in target:
        return urlsplit(target).hostname or target
    return target.strip("[]")


async def check(monitor: Any, deps: CheckDeps) -> CheckResult:
    timeout = timeout_of(monitor)
    port = int(monitor.port)
    watch = Stopwatch()
    try:
        _reader, writer = await connect_tcp(deps.guard, host_of(monitor.url), port, timeout)
    except SsrfBlockedError as exc:
        return failure(exc.message, "SSRF_BLOCKED")
    except (asyncio.TimeoutError, TimeoutError):
        return timed_out(timeout)
    except OSError as exc:
        return network_failure(exc, timeout)
    elapsed = watch.ms()
    writer.close()
    await _closed(writer)
    return CheckResult(ok=True, response_time_ms=elapsed, details={"port": port})


async def _closed(writer: asyncio.StreamWriter) -> None:
    try:
        await writer.wait_closed()
    except OSError:  # a reset while closing says nothing about the port being open
        pass
