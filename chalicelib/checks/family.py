"""The checkers family: one module per monitor type, each `async def check(monitor, deps)`.

`run_check` is the only entry point the worker uses: it picks the checker, enforces the
monitor's timeout as one hard deadline over the whole check (every redirect hop, the body read:
a per-call timeout restarts on each of them, so a target that trickles its body or redirects
slowly would otherwise hold the check far past its timeout), and turns anything unexpected into
a failed result, so a down (or hostile) target can never crash a batch.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from chalicelib.checks.checkers import dns, domain, ping, port, website
from chalicelib.checks.checkers.base import CheckDeps, CheckResult, failure, timed_out, timeout_of

__all__ = ["CHECKERS", "CheckDeps", "CheckResult", "run_check"]

Checker = Callable[[Any, CheckDeps], Awaitable[CheckResult]]

CHECKERS: dict[str, Checker] = {
    "Website": website.check,
    "Port": port.check,
    "Ping": ping.check,
    "Dns": dns.check,
    "Domain": domain.check,
}
logger = logging.getLogger(__name__)


async def run_check(monitor: Any, deps: CheckDeps) -> CheckResult:
    """Run the checker for `monitor.type` (or `monitor.monitor_type`); never raises for a target."""
    kind = getattr(monitor, "type", None) or getattr(monitor, "monitor_type", None)
    kind = getattr(kind, "value", kind)  # an Enum member or its plain string
    checker = CHECKERS.get(str(kind))
    if checker is None:
        return failure(f"unknown monitor type {kind!r}", "UNKNOWN_TYPE")
    timeout = timeout_of(monitor)
    try:
        async with asyncio.timeout(timeout):
            return await checker(monitor, deps)
    except TimeoutError:
        return timed_out(timeout)
    except Exception as exc:  # a checker bug must not look like an outage of the whole batch
        logger.exception("checker %s failed unexpectedly", kind)
        return failure(f"check failed unexpectedly: {type(exc).__name__}: {exc}", "CHECK_ERROR")
