import socket
from types import SimpleNamespace

import pytest

from chalicelib.checks.checkers import dns
from chalicelib.kernel.netguard import OutboundGuard


def monitor(name, record_type, nameserver, expected=None, timeout=2):
    return SimpleNamespace(url=name, record_type=record_type, nameserver=nameserver,
                           expected_values=expected, timeout_seconds=timeout)


@pytest.mark.parametrize("record_type, answers", [
    ("A", ["192.0.2.10", "192.0.2.11"]),
    ("MX", ["10 mail.example.test.", "20 backup.example.test."]),
    ("TXT", ["v=spf1 -all", "hello world"]),
])
def test_it_returns_the_answers(run_checker, dns_server, record_type, answers):
    result = run_checker(dns.check, monitor("example.test", record_type, dns_server))
    assert (result.ok, sorted(result.details["answers"])) == (True, sorted(answers))
    assert result.response_time_ms >= 0


@pytest.mark.parametrize("record_type, expected, ok", [
    ("A", ["192.0.2.10"], True),
    ("A", ["192.0.2.10", "192.0.2.11"], True),
    ("A", ["192.0.2.10", "192.0.2.99"], False),
    ("MX", ["10 MAIL.example.test."], True),
    ("MX", ["mail.example.test"], True),
    ("MX", ["mail.other.test"], False),
    ("TXT", ['"v=spf1 -all"'], True),
    ("TXT", ["v=spf1 ~all"], False),
])
def test_it_requires_every_expected_value(run_checker, dns_server, record_type, expected, ok):
    result = run_checker(dns.check, monitor("example.test", record_type, dns_server, expected))
    assert (result.ok, result.error_code) == (ok, None if ok else "DNS_MISMATCH")


def test_it_names_the_missing_value(run_checker, dns_server):
    result = run_checker(dns.check, monitor("example.test", "A", dns_server, ["192.0.2.99"]))
    assert result.error == "expected 192.0.2.99 not among answers: 192.0.2.10, 192.0.2.11"


@pytest.mark.parametrize("name, record_type, error", [
    ("missing.test", "A", "missing.test does not exist (NXDOMAIN)"),
    ("example.test", "AAAA", "no AAAA records for example.test"),
    ("servfail.test", "A", "nameservers failed to answer for servfail.test (SERVFAIL or refused)"),
])
def test_it_explains_failed_lookups(run_checker, dns_server, name, record_type, error):
    result = run_checker(dns.check, monitor(name, record_type, dns_server))
    assert (result.ok, result.error, result.error_code) == (False, error, "DNS_ERROR")


def test_it_times_out_on_a_silent_nameserver(run_checker):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        nameserver = f"127.0.0.1:{silent.getsockname()[1]}"
        result = run_checker(dns.check, monitor("example.test", "A", nameserver, timeout=0.3))
    assert (result.ok, result.error, result.error_code) == (False, "timed out after 0.3 s", "TIMEOUT")


def test_it_refuses_a_local_nameserver_with_the_default_guard(run_checker, dns_server):
    result = run_checker(dns.check, monitor("example.test", "A", dns_server), guard=OutboundGuard())
    assert (result.ok, result.error_code) == (False, "SSRF_BLOCKED")


def test_it_refuses_an_unknown_record_type(run_checker, dns_server):
    result = run_checker(dns.check, monitor("example.test", "PTR", dns_server))
    assert (result.ok, result.error_code) == (False, "INVALID_RECORD_TYPE")
