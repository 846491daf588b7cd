"""Ping checker: ICMP echo where the runtime allows it, else a TCP connect (Lambda has no ICMP).

Order: unprivileged ICMP (datagram sockets, needs net.ipv4.ping_group_range), then privileged
(raw sockets, needs CAP_NET_RAW), then TCP on 443 and 80. The method used is reported in
`details["method"]` so a reader knows what "up" meant.
"""
from __future__ import annotations

import asyncio
from typing import Any

from icmplib import async_ping
from icmplib.exceptions import ICMPLibError, SocketPermissionError

from chalicelib.checks.checkers.base import (
    CheckDeps,
    CheckResult,
    Stopwatch,
    failure,
    network_failure,
    timed_out,
    timeout_of,
)
from chalicelib.checks.checkers.port import host_of
from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.netguard import connect_tcp

PACKETS = 3


async def check(monitor: Any, deps: CheckDeps) -> CheckResult:
    timeout = timeout_of(monitor)
    host = host_of(monitor.url)
    try:
        addresses = await asyncio.wait_for(deps.guard.resolve_and_check(host), timeout)
    except SsrfBlockedError as exc:
        return failure(exc.message, "SSRF_BLOCKED")
    except (asyncio.TimeoutError, TimeoutError):
        return timed_out(timeout)
    except OSError as exc:
        return network_failure(exc, timeout)
    if deps.ping_mode != "tcp":
        for privileged in (False, True):
            result = await _icmp(addresses[0], privileged, timeout)
            if result is not None:
                return result
    return await _tcp(deps, addresses[0], timeout)


async def _icmp(ip: str, privileged: bool, timeout: float) -> CheckResult | None:
    """None when this kind of ICMP socket is not permitted here."""
    method = "icmp-privileged" if privileged else "icmp-unprivileged"
    try:
        host = await async_ping(ip, count=PACKETS, interval=0.2, timeout=min(timeout, 2.0),
                                privileged=privileged)
    except SocketPermissionError:
        return None
    except ICMPLibError as exc:
        return failure(f"ping failed: {exc}", "PING_ERROR", details={"method": method})
    details = {"method": method, "packetLoss": host.packet_loss, "address": ip}
    if not host.is_alive:
        return failure(f"no reply from {ip} ({host.packet_loss:.0%} packet loss)", "NO_REPLY",
                       details=details)
    return CheckResult(ok=True, response_time_ms=round(host.avg_rtt), details=details)


async def _tcp(deps: CheckDeps, ip: str, timeout: float) -> CheckResult:
    """A TCP answer of any kind (accept or refuse) proves the host is up, as an echo reply would."""
    result = failure(f"no TCP answer from {ip}", "NO_REPLY")
    for port in deps.ping_tcp_ports:
        watch = Stopwatch()
        details = {"method": "tcp", "port": port, "address": ip}
        try:
            _reader, writer = await connect_tcp(deps.guard, ip, port, timeout)
            writer.close()
        except (asyncio.TimeoutError, TimeoutError):
            result = timed_out(timeout)
            continue
        except OSError as exc:
            refused = network_failure(exc, timeout)
            if refused.error_code == "CONNECTION_REFUSED":
                return CheckResult(ok=True, response_time_ms=watch.ms(), details=details)
            result = refused
            continue
        return CheckResult(ok=True, response_time_ms=watch.ms(), details=details)
    return CheckResult(**{**result.__dict__, "details": {"method": "tcp", "address": ip}})
