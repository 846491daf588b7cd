from types import SimpleNamespace

from chalicelib.checks.checkers import ping
from chalicelib.kernel.netguard import OutboundGuard


def monitor(host="127.0.0.1", timeout=2):
    return SimpleNamespace(url=host, timeout_seconds=timeout)


def test_it_pings_loopback_with_whatever_method_works_here(run_checker, http_server):
    result = run_checker(ping.check, monitor(), ping_tcp_ports=(http_server.port,))
    assert (result.ok, result.error) == (True, None)
    assert result.details["method"] in ("icmp-unprivileged", "icmp-privileged", "tcp")


def test_it_uses_a_tcp_connect_when_told_to(run_checker, http_server):
    result = run_checker(ping.check, monitor(), ping_mode="tcp", ping_tcp_ports=(http_server.port,))
    assert (result.ok, result.details["method"], result.details["port"]) == (True, "tcp", http_server.port)


def test_it_counts_a_refused_tcp_connection_as_a_reply(run_checker, closed_port):
    result = run_checker(ping.check, monitor(), ping_mode="tcp", ping_tcp_ports=(closed_port,))
    assert (result.ok, result.details["method"]) == (True, "tcp")


def test_it_refuses_loopback_with_the_default_guard(run_checker):
    result = run_checker(ping.check, monitor(), guard=OutboundGuard())
    assert (result.ok, result.error_code) == (False, "SSRF_BLOCKED")
