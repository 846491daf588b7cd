from datetime import timedelta
from types import SimpleNamespace

import pytest

from chalicelib.checks.checkers import website
from chalicelib.checks.family import run_check
from chalicelib.kernel.netguard import OutboundGuard


def monitor(url, **fields):
    defaults = dict(url=url, timeout_seconds=5, http_method="GET", expected_status_code=200,
                    expected_keyword=None, keyword_must_be_absent=False, request_headers=None,
                    request_body=None, custom_user_agent=None, follow_redirects=True)
    return SimpleNamespace(**{**defaults, **fields})


def test_it_is_up_when_the_status_matches(run_checker, http_server):
    result = run_checker(website.check, monitor(f"{http_server.url}/ok"))
    assert (result.ok, result.status_code, result.error) == (True, 200, None)
    assert result.response_time_ms >= 0
    assert result.ssl_days_left is None


@pytest.mark.parametrize("path, expected, ok, error", [
    ("/status/503", 200, False, "HTTP 503 Service Unavailable"),
    ("/status/404", 200, False, "HTTP 404 Not Found"),
    ("/status/503", 503, True, None),
    ("/status/299", 200, False, "HTTP 299 Unknown Status"),
])
def test_it_compares_the_status_code(run_checker, http_server, path, expected, ok, error):
    result = run_checker(website.check, monitor(http_server.url + path, expected_status_code=expected))
    assert (result.ok, result.error) == (ok, error)
    assert result.error_code == (None if ok else "HTTP_STATUS")


@pytest.mark.parametrize("keyword, absent, ok, error", [
    ("systems ok", False, True, None),
    ("outage", False, False, 'keyword "outage" not found'),
    ("outage", True, True, None),
    ("systems ok", True, False, 'keyword "systems ok" found'),
])
def test_it_looks_for_the_keyword(run_checker, http_server, keyword, absent, ok, error):
    m = monitor(f"{http_server.url}/ok", expected_keyword=keyword, keyword_must_be_absent=absent)
    result = run_checker(website.check, m)
    assert (result.ok, result.error, result.error_code) == (ok, error, None if ok else "KEYWORD")


def test_it_sends_method_body_headers_and_user_agent(run_checker, http_server):
    m = monitor(f"{http_server.url}/echo", http_method="post", request_body="hello",
                request_headers={"X-Token": "t0k"}, expected_keyword="POST hello Enori-Monitor/1.0 t0k")
    assert run_checker(website.check, m).ok


def test_it_uses_the_custom_user_agent(run_checker, http_server):
    m = monitor(f"{http_server.url}/echo", http_method="PUT", custom_user_agent="Mine/2",
                expected_keyword="PUT  Mine/2")
    assert run_checker(website.check, m).ok


def test_it_supports_head(run_checker, http_server):
    result = run_checker(website.check, monitor(http_server.url, http_method="HEAD", expected_status_code=204))
    assert (result.ok, result.status_code) == (True, 204)


@pytest.mark.parametrize("hops, ok, error_code", [(1, True, None), (5, True, None),
                                                    (6, False, "TOO_MANY_REDIRECTS")])
def test_it_follows_at_most_five_redirects(run_checker, http_server, hops, ok, error_code):
    result = run_checker(website.check, monitor(f"{http_server.url}/redirect/{hops}"))
    assert (result.ok, result.error_code) == (ok, error_code)
    if ok:
        assert result.details["redirects"] == hops


def test_it_reports_the_redirect_when_not_following(run_checker, http_server):
    result = run_checker(website.check, monitor(f"{http_server.url}/redirect/1", follow_redirects=False))
    assert (result.ok, result.status_code, result.error) == (False, 302, "HTTP 302 Found")


@pytest.mark.parametrize("location, resolver_answer", [
    ("http://169.254.169.254/latest/meta-data/", None),
    ("http://10.0.0.1/", None),
    ("http://[::1]/", None),
    ("http://0x7f000002/", None),
    ("http://internal.test/", "10.1.2.3"),
])
def test_it_refuses_a_redirect_into_a_blocked_range(run_checker, http_server,
                                                    default_guard_for_local_tests,
                                                    location, resolver_answer):
    async def resolve(host):
        return [resolver_answer]
    guard = default_guard_for_local_tests(resolver=resolve)
    result = run_checker(website.check, monitor(f"{http_server.url}/to?{location}"), guard=guard)
    assert (result.ok, result.error_code) == (False, "SSRF_BLOCKED_REDIRECT")
    assert location.split("/")[2].strip("[]") in result.error


def test_it_refuses_a_local_target_with_the_default_guard(run_checker, http_server):
    before = len(http_server.paths)
    result = run_checker(website.check, monitor(f"{http_server.url}/ok"), guard=OutboundGuard())
    assert (result.ok, result.error_code) == (False, "SSRF_BLOCKED")
    assert "127.0.0.1" in result.error
    assert len(http_server.paths) == before


def test_it_times_out_on_a_silent_server(run_checker, silent_port):
    """The deadline is `run_check`'s, over every checker (the Website checker holds none)."""
    result = run_checker(run_check, monitor(f"http://127.0.0.1:{silent_port}/", type="Website",
                                            timeout_seconds=0.3))
    assert (result.ok, result.error, result.error_code) == (False, "timed out after 0.3 s", "TIMEOUT")


def test_it_reports_a_refused_connection(run_checker, closed_port):
    result = run_checker(website.check, monitor(f"http://127.0.0.1:{closed_port}/"))
    assert (result.ok, result.error, result.error_code) == (False, "connection refused", "CONNECTION_REFUSED")


def test_it_reports_the_days_left_on_the_certificate(run_checker, https_server_for, now):
    server = https_server_for("localhost", not_after=now + timedelta(days=40, hours=12))
    result = run_checker(website.check, monitor(f"{server.url}/ok", expected_keyword="systems ok"))
    assert (result.ok, result.status_code, result.ssl_days_left) == (True, 200, 40)


@pytest.mark.parametrize("identity, not_after_days, error", [
    ("localhost", -1, "TLS certificate expired"),
    ("other.test", 30, "TLS hostname mismatch"),
])
def test_it_names_certificate_failures(run_checker, https_server_for, now, identity, not_after_days, error):
    server = https_server_for(identity, not_after=now + timedelta(days=not_after_days))
    result = run_checker(website.check, monitor(server.url))
    assert (result.ok, result.error, result.error_code) == (False, error, "TLS_ERROR")


def test_it_refuses_a_certificate_from_an_unknown_issuer(run_checker, https_server_for):
    server = https_server_for("localhost")
    result = run_checker(website.check, monitor(server.url), trust_test_ca=False)
    assert (result.ok, result.error_code) == (False, "TLS_ERROR")
    assert result.error.startswith("TLS certificate verify failed")


def test_it_reads_the_certificate_of_a_response_without_a_body(run_checker, https_server_for, now):
    """A bodiless response (HEAD, 204) gives its connection back before the checker sees it:
    the certificate is kept as the response starts."""
    server = https_server_for("localhost", not_after=now + timedelta(days=40, hours=12))
    result = run_checker(website.check, monitor(server.url, http_method="HEAD",
                                                expected_status_code=204))
    assert (result.ok, result.status_code, result.ssl_days_left) == (True, 204, 40)


def serve_once_per_connection(head: bytes, body: bytes) -> int:
    """A raw server on 127.0.0.1 answering every request with `head` and `body`."""
    from test_total_deadline import serve

    def answer(conn, path):
        conn.sendall(head + body)

    return serve(answer)


@pytest.mark.parametrize("at, found", [(website.MAX_BODY_BYTES - 6, True),
                                       (website.MAX_BODY_BYTES, False)])
def test_it_looks_for_the_keyword_in_the_first_mebibyte_only(run_checker, at, found):
    body = b"a" * at + b"needle" + b"a" * 1000
    port = serve_once_per_connection(
        f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode(), body)
    result = run_checker(website.check, monitor(f"http://127.0.0.1:{port}/",
                                                expected_keyword="needle"))
    assert (result.ok, result.error) == (found, None if found else 'keyword "needle" not found')


@pytest.mark.parametrize("content_type, keyword, ok", [
    ("text/html; charset=latin-1", "café", True),
    ("text/html", "caf\ufffd", True),                  # no charset: UTF-8, replacing
    ("text/html; charset=no-such-charset", "caf\ufffd", True),
])
def test_it_decodes_the_body_by_its_charset(run_checker, content_type, keyword, ok):
    body = "café".encode("latin-1")
    port = serve_once_per_connection(
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        .encode(), body)
    result = run_checker(website.check, monitor(f"http://127.0.0.1:{port}/",
                                                expected_keyword=keyword))
    assert result.ok is ok, result


@pytest.mark.parametrize("answer, words", [
    (b"", "connection failed: Server disconnected without sending a response."),
    (b"NOT HTTP AT ALL\r\n\r\n", None),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", None),
    (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nabcde", None),
])
def test_a_broken_exchange_is_a_connection_error_said_on_one_line(run_checker, answer, words):
    """What an alert and the dashboard show: the parser's words, not the URL, status and
    repr aiohttp wraps them in over several lines."""
    port = serve_once_per_connection(answer, b"")
    result = run_checker(website.check, monitor(f"http://127.0.0.1:{port}/"))
    assert (result.ok, result.error_code) == (False, "CONNECTION_ERROR")
    assert result.error.startswith("connection failed: ")
    assert "\n" not in result.error and "url=" not in result.error and "400" not in result.error
    if words is not None:
        assert result.error == words
