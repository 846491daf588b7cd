from types import SimpleNamespace

import pytest

from chalicelib.checks.checkers import port
from chalicelib.kernel.netguard import OutboundGuard


def monitor(host, number, timeout=5):
    return SimpleNamespace(url=host, port=number, timeout_seconds=timeout)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "tcp://127.0.0.1"])
def test_it_is_up_when_the_port_accepts(run_checker, http_server, host):
    result = run_checker(port.check, monitor(host, http_server.port))
    assert (result.ok, result.error, result.details["port"]) == (True, None, http_server.port)
    assert result.response_time_ms >= 0


def test_it_is_down_when_the_port_is_closed(run_checker, closed_port):
    result = run_checker(port.check, monitor("127.0.0.1", closed_port))
    assert (result.ok, result.error, result.error_code) == (False, "connection refused", "CONNECTION_REFUSED")


def test_it_refuses_a_local_port_with_the_default_guard(run_checker, http_server):
    result = run_checker(port.check, monitor("127.0.0.1", http_server.port), guard=OutboundGuard())
    assert (result.ok, result.error_code) == (False, "SSRF_BLOCKED")


def test_it_reports_a_name_that_does_not_resolve(run_checker):
    async def nothing(host):
        return []
    result = run_checker(port.check, monitor("gone.test", 80), guard=OutboundGuard(resolver=nothing))
    assert (result.ok, result.error_code) == (False, "DNS_ERROR")
