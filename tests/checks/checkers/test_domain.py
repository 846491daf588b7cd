from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from chalicelib.checks.checkers import domain
from chalicelib.kernel.netguard import OutboundGuard


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def registry(whois_server, start_http_server, now):
    """An RDAP server for .test and a WHOIS server for .test and .legacy (which has no RDAP)."""
    rdap = start_http_server(rdap={
        "good.test": iso(now + timedelta(days=200, hours=1)),
        "soon.test": iso(now + timedelta(days=10, hours=1)),
        "expired.test": iso(now - timedelta(days=3)),
    })
    whois_server.answers.update({
        "whoisonly.test": f"Domain Name: WHOISONLY.TEST\r\nRegistry Expiry Date: {iso(now + timedelta(days=90, hours=1))}\r\n",
        "old.legacy": "domain: OLD.LEGACY\npaid-till: 2020-01-01T00:00:00Z\n",
    })
    bootstrap = {"services": [[["test"], [rdap.url + "/"]]],
                 "whois": {"test": "127.0.0.1", "legacy": "127.0.0.1"}}
    yield SimpleNamespace(bootstrap=bootstrap, whois_port=whois_server.server_address[1], rdap=rdap)
    rdap.server.shutdown()


def monitor(name, warning_days=30):
    return SimpleNamespace(url=name, expiry_warning_days=warning_days, timeout_seconds=3)


def run_domain(run_checker, registry, name, **kwargs):
    return run_checker(domain.check, monitor(name), rdap_bootstrap=registry.bootstrap,
                       whois_port=registry.whois_port, **kwargs)


@pytest.mark.parametrize("name, ok, days_left, soon, source", [
    ("good.test", True, 200, False, "RDAP"),
    ("soon.test", True, 10, True, "RDAP"),
    ("expired.test", False, -3, True, "RDAP"),
    ("whoisonly.test", True, 90, False, "WHOIS"),
    ("old.legacy", False, None, True, "WHOIS"),
])
def test_it_reads_the_expiry_date(run_checker, registry, name, ok, days_left, soon, source):
    result = run_domain(run_checker, registry, name)
    assert (result.ok, result.details["expiringSoon"], result.details["source"]) == (ok, soon, source)
    if days_left is not None:
        assert result.details["daysLeft"] == days_left
    assert result.error_code == (None if ok else "DOMAIN_EXPIRED")


def test_it_reports_the_expiry_as_an_iso_date(run_checker, registry, now):
    result = run_domain(run_checker, registry, "https://good.test/some/page")
    assert result.details["expiresAt"] == iso(now + timedelta(days=200, hours=1))


def test_it_names_the_expired_date(run_checker, registry):
    result = run_domain(run_checker, registry, "old.legacy")
    assert result.error == "domain old.legacy expired on 2020-01-01"


def test_it_fails_clearly_when_no_source_knows_the_domain(run_checker, registry):
    result = run_domain(run_checker, registry, "nowhere.test")
    assert (result.ok, result.error_code) == (False, "DOMAIN_LOOKUP_FAILED")
    assert "RDAP: HTTP 404" in result.error and "WHOIS: no expiry date" in result.error


def test_it_refuses_a_local_registry_with_the_default_guard(run_checker, registry):
    result = run_domain(run_checker, registry, "good.test", guard=OutboundGuard())
    assert (result.ok, result.error_code) == (False, "SSRF_BLOCKED")


@pytest.mark.parametrize("text, expected", [
    ("Registry Expiry Date: 2027-02-12T10:00:00Z", datetime(2027, 2, 12, 10, tzinfo=timezone.utc)),
    ("Registrar Registration Expiration Date: 2027-02-12T10:00:00.0Z",
     datetime(2027, 2, 12, 10, tzinfo=timezone.utc)),
    ("    Expiry date:  12-Feb-2027", datetime(2027, 2, 12, tzinfo=timezone.utc)),
    ("Expiration Date: 2027-02-12 10:00:00", datetime(2027, 2, 12, 10, tzinfo=timezone.utc)),
    ("paid-till:     2027.02.12", datetime(2027, 2, 12, tzinfo=timezone.utc)),
    ("expire: 12.02.2027", datetime(2027, 2, 12, tzinfo=timezone.utc)),
])
def test_it_parses_whois_expiry_lines(text, expected):
    assert domain.parse_whois_expiry(f"Domain: x\n{text}\n") == expected


def test_it_maps_tlds_to_rdap_servers_from_the_shipped_bootstrap():
    bootstrap = domain.shipped_bootstrap()
    assert domain.rdap_base_urls("example.com", bootstrap) == ["https://rdap.verisign.com/com/v1/"]
    assert domain.rdap_base_urls("example.co.uk", bootstrap) == ["https://rdap.nominet.uk/uk/"]
    assert domain.rdap_base_urls("example.invalid", bootstrap) == []
