"""SSRF across every outbound path, with the DEFAULT production guard (allow_private=False).

tests/kernel/test_netguard.py proves the guard's own decisions (ranges, spellings, URL parsing, the
rebinding pin inside `guarded_request`). This suite proves each *path* reaches the same decision:
monitors and channels at save time (the API), every checker at check time, test alerts and
deliveries at send time, and the check worker for redirects and rebinding. Every blocked URL
points at a live receiver on 127.0.0.1, so "refused" also means "nothing arrived".

The suite runs with ENORI_RESOLVER=hosts; here the guard is pinned to the production ("system")
mode and `_system_resolve` is replaced by an injected resolver: no DNS query is ever sent.
"""
import asyncio
import dataclasses
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pydantic
import pytest

from chalicelib.channels import family as alerting
from chalicelib.kernel import netguard
from chalicelib.checks.family import CheckDeps, run_check
from chalicelib.kernel.errors import SsrfBlockedError
from chalicelib.kernel.netguard import OutboundGuard, make_http_client
from chalicelib.kernel.netguard_aio import make_web_client

# Hosts that must never be reached, in the spellings a socket library accepts.
BLOCKED_HOSTS = [
    "127.0.0.1", "2130706433", "0177.0.0.1", "0x7f000001", "0x7f.0.0.1", "127.1", "0",
    "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
    "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "169.254.169.254", "[::ffff:169.254.169.254]",
    "[64:ff9b::a9fe:a9fe]", "100.64.0.1", "10.0.0.1", "[fd00::1]", "[fe80::1]", "0.0.0.0", "[::]",
    # IPv6 spellings that embed an IPv4 address (E14): SIIT translated, local-use NAT64 (/48 and
    # /96 positions), 6to4, Teredo (client 169.254.169.254, obfuscated) and IPv4-compatible.
    "[::ffff:0:a9fe:a9fe]", "[::ffff:0:7f00:1]", "[64:ff9b:1:7f00:0:100::]",
    "[64:ff9b:1::a9fe:a9fe]", "[2002:a9fe:a9fe::]", "[2001:0:4136:e378:8000:63bf:5601:5601]",
    "[::169.254.169.254]",
]
# The URL parser refuses these before the guard sees them (no valid host name): still a 400.
NOT_A_HOST_NAME = {"2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "0"}
NAMES = {"public.test": ["127.0.0.2"], "metadata.test": ["169.254.169.254"],
         "localhost": ["127.0.0.1"], "mixed.test": ["127.0.0.2", "127.0.0.1"]}
CHAT_TYPES = ["Webhook", "Slack", "Discord", "Teams"]


@pytest.fixture(autouse=True)
def production_guard(monkeypatch):
    """The production guard (as tests/kernel/test_netguard.py pins it), with names answered from
    NAMES: every guard made from here on resolves through it, never through DNS."""
    monkeypatch.setattr(netguard, "settings",
                        dataclasses.replace(netguard.settings, resolver_mode="system"))

    async def resolve(host):
        if host not in NAMES:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not a test name")
        return list(NAMES[host])
    monkeypatch.setattr(netguard, "_system_resolve", resolve)


class PublicStandInGuard(OutboundGuard):
    """Default policy, except 127.0.0.2 counts as public (the tests cannot leave the machine)."""

    def is_blocked_ip(self, ip):
        return str(ip) != "127.0.0.2" and super().is_blocked_ip(ip)


def start_server(host="127.0.0.1", port=0, name="server"):
    """Answers every request (GET: `/to?<url>` redirects there) and keeps what it saw."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append((self.command, self.path))
            path, _, query = self.path.partition("?")
            if path == "/to":
                self.send_response(302)
                self.send_header("Location", query)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._answer()

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hits.append((self.command, self.path))
            self._answer()

        def _answer(self):
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return SimpleNamespace(server=server, hits=hits, port=server.server_address[1])


@pytest.fixture
def canary():
    """A live server on 127.0.0.1: every blocked URL in this file points at it."""
    target = start_server(name="canary")
    yield target
    target.server.shutdown()
    target.server.server_close()
    assert target.hits == [], "a blocked request reached 127.0.0.1"


@pytest.fixture
def twin_servers():
    """The same port on 127.0.0.2 (stands in for a public address) and 127.0.0.1 (internal)."""
    for _attempt in range(20):
        public = start_server("127.0.0.2", name="validated address")
        try:
            internal = start_server("127.0.0.1", public.port, name="rebound address")
        except OSError:
            public.server.shutdown()
            public.server.server_close()
            continue
        yield public, internal
        for each in (public, internal):
            each.server.shutdown()
            each.server.server_close()
        return
    pytest.fail("no port was free on both 127.0.0.1 and 127.0.0.2 in 20 tries")


def url_for(host, port, path="/"):
    return f"http://{host}:{port}{path}"


def blocked_urls(port):
    """Every blocked host as a URL, plus the tricks that are not about the host spelling."""
    return [url_for(h, port) for h in BLOCKED_HOSTS] + [
        f"http://example.com@127.0.0.1:{port}/", f"http://127.0.0.1:{port}#@example.com/",
        f"http://127.0.0.1:{port}\\@example.com/", "file:///etc/passwd",
        f"gopher://127.0.0.1:{port}/_GET%20/", f"http://localhost:{port}/",
        f"http://metadata.test:{port}/latest/meta-data/", f"http://mixed.test:{port}/",
    ]


# --- save time -------------------------------------------------------------------------------

@pytest.mark.parametrize("host", BLOCKED_HOSTS)
def test_a_channel_aimed_at_a_blocked_literal_is_a_400(api, host):
    for channel_type in CHAT_TYPES:
        response = api.post("/api/alert-channels", {"name": "x", "type": channel_type,
                                                    "webhookUrl": url_for(host, 8080)})
        assert response.status_code == 400, (channel_type, response.json)
        expected = "VALIDATION_ERROR" if host in NOT_A_HOST_NAME else "SSRF_BLOCKED"
        assert response.json["code"] == expected, (channel_type, response.json)
    assert api.get("/api/alert-channels").json["totalCount"] == 0


@pytest.mark.parametrize("url", [
    "http://example.com@127.0.0.1/", "file:///etc/passwd", "gopher://127.0.0.1:70/_x",
    "http://127.0.0.1#@example.com/",
])
def test_a_channel_url_trick_is_a_400(api, url):
    response = api.post("/api/alert-channels", {"name": "x", "type": "Webhook", "webhookUrl": url})
    assert response.status_code == 400
    assert response.json["code"] in ("VALIDATION_ERROR", "SSRF_BLOCKED")


def monitor_bodies(host):
    bare = host.strip("[]")
    nameserver = f"{host}:53" if host.startswith("[") else f"{bare}:53"
    return [
        {"name": "w", "type": "Website", "url": url_for(host, 8080)},
        {"name": "p", "type": "Port", "url": bare, "port": 8080},
        {"name": "i", "type": "Ping", "url": bare},
        {"name": "d", "type": "Dns", "url": "example.com", "nameserver": nameserver},
    ]


@pytest.mark.parametrize("host", BLOCKED_HOSTS)
def test_a_monitor_aimed_at_a_blocked_literal_is_a_400(api, host):
    for body in monitor_bodies(host):
        response = api.post("/api/monitors", body)
        assert response.status_code == 400, (body, response.json)
        assert response.json["code"] in ("SSRF_BLOCKED", "VALIDATION_ERROR"), (body, response.json)
    assert api.get("/api/monitors").json["totalCount"] == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "[::ffff:127.0.0.1]", "169.254.169.254", "[::1]"])
def test_a_monitor_aimed_at_a_canonical_blocked_literal_says_ssrf_blocked(api, host):
    for body in monitor_bodies(host):
        response = api.post("/api/monitors", body)
        assert (response.status_code, response.json["code"]) == (400, "SSRF_BLOCKED"), body


def test_a_name_is_accepted_at_save_time_and_judged_when_used(api):
    """Save time cannot know what a name resolves to; test time must refuse it."""
    created = api.post("/api/alert-channels", {"name": "x", "type": "Webhook",
                                               "webhookUrl": "http://metadata.test/hook"})
    assert created.status_code == 201
    tested = api.post(f"/api/alert-channels/{created.json['id']}/test")
    assert tested.json["status"] == "Failed"
    assert "blocked" in tested.json["lastError"] and tested.json["permanentFailure"] is True
    monitor = api.post("/api/monitors", {"name": "w", "type": "Website",
                                         "url": "http://metadata.test/"})
    assert monitor.status_code == 201


# --- check time ------------------------------------------------------------------------------

def check(monitor, guard=None, **deps):
    async def go():
        guard_ = guard or OutboundGuard()
        async with make_http_client(guard_, 4) as client, \
                make_web_client(guard_, 4) as web_client:
            return await run_check(monitor, CheckDeps(guard=guard_, http_client=client,
                                                      web_client=web_client,
                                                      ping_mode="tcp", **deps))
    return asyncio.run(go())


def checks_of(host, port):
    bare = host.strip("[]")
    base = dict(timeout_seconds=3, http_method="GET", follow_redirects=True)
    rdap = {"services": [[["test"], [url_for(host, port, "/rdap/")]]]}
    return [
        ("Website", SimpleNamespace(type="Website", url=url_for(host, port), **base), {}),
        ("Port", SimpleNamespace(type="Port", url=bare, port=port, **base), {}),
        ("Ping", SimpleNamespace(type="Ping", url=bare, **base), {"ping_tcp_ports": (port,)}),
        ("Dns", SimpleNamespace(type="Dns", url="example.test", record_type="A",
                                nameserver=f"[{bare}]:{port}" if ":" in bare else f"{bare}:{port}",
                                expected_values=None, **base), {}),
        ("Domain", SimpleNamespace(type="Domain", url="example.test", **base),
         {"rdap_bootstrap": rdap}),
    ]


@pytest.mark.parametrize("host", BLOCKED_HOSTS + ["localhost", "metadata.test", "mixed.test"])
def test_every_checker_refuses_a_blocked_target_at_check_time(canary, host):
    for kind, monitor, deps in checks_of(host, canary.port):
        result = check(monitor, **deps)
        assert (result.ok, result.error_code) == (False, "SSRF_BLOCKED"), (kind, result)


def test_the_same_checks_reach_a_public_target(twin_servers):
    """The refusals above are the guard's, not a broken test setup: public.test (127.0.0.2,
    public here) passes the same checkers."""
    public, _ = twin_servers
    guard = PublicStandInGuard()
    for kind, monitor, deps in checks_of("public.test", public.port):
        if kind in ("Website", "Port", "Ping"):
            assert check(monitor, guard=guard, **deps).ok, kind


# --- test time and delivery time -------------------------------------------------------------

def channel_for(account_id, channel_type, url):
    from chalicelib.storage.channels import AlertChannelItem

    return AlertChannelItem(account_id, "ch_ssrf", name="x", type=channel_type,
                            config_json=json.dumps({"webhook_url": url}))


@pytest.fixture
def retries(monkeypatch):
    from chalicelib.notify import delivery

    sent = []
    monkeypatch.setattr(delivery, "send_retry_message", lambda message, now: sent.append(message))
    return sent


def deliver_once(channel, event):
    from chalicelib.notify import delivery
    from chalicelib.kernel.runtime import runtime
    from chalicelib.storage import alert_records

    record = delivery.new_record(event, channel, runtime.clock.time())
    assert alert_records.create_record(record)
    asyncio.run(delivery.attempt_all([(record, channel)]))
    return alert_records.get_record(record.account_id, record.alert_id)


def save_time_refuses(channel_type, url):
    try:
        alerting.validate_config(channel_type, {"webhookUrl": url}, OutboundGuard())
    except (SsrfBlockedError, pydantic.ValidationError):
        return True
    return False


@pytest.mark.parametrize("channel_type, sample", [("Webhook", slice(None))] + [
    # The chat channels post through the same `post_json` as webhooks: a sample each.
    (chat, slice(i, None, 5)) for i, chat in enumerate(CHAT_TYPES[1:])])
def test_save_test_and_delivery_time_refuse_the_same_urls(clock, canary, retries, channel_type,
                                                          sample):
    from chalicelib.notify import delivery

    for url in blocked_urls(canary.port)[sample]:
        channel = channel_for("acc_ssrf", channel_type, url)
        tested = delivery.send_test(channel)
        event = {"id": f"evt_{abs(hash(url))}", "event": "monitor.down", "accountId": "acc_ssrf",
                 "monitor": {"id": "mon_1", "name": "m", "url": "https://e.com", "type": "Website"},
                 "alert": {"type": "Down", "message": "x", "timestamp": "2026-03-24T14:30:00Z",
                           "responseTimeMs": None}}
        delivered = deliver_once(channel, event)
        for record in (tested, delivered):
            assert (record.status, record.permanent_failure) == ("Failed", True), url
            assert "blocked" in record.last_error or "invalid URL" in record.last_error, url
        # A name cannot be judged before it is resolved: only literals are refused at save time.
        if "localhost" not in url and ".test" not in url:
            assert save_time_refuses(channel_type, url), url
    assert retries == []       # a refused target is permanent: nothing is retried


# --- rebinding and redirects through the product's paths ------------------------------------

def sequenced_resolver(monkeypatch, *answers):
    calls = []

    async def resolve(host):
        calls.append(host)
        return list(answers[min(len(calls), len(answers)) - 1])
    monkeypatch.setattr(netguard, "_system_resolve", resolve)
    return calls


@pytest.fixture
def worker_monitor(clock, monkeypatch):
    """A Website monitor created through the service layer, checked by the real worker with the
    default policy (127.0.0.2 standing in for a public address)."""
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor
    from chalicelib.checks import runner as checks

    monkeypatch.setattr(checks, "OutboundGuard", PublicStandInGuard)
    account = create_account("t", "Business", clock.now())

    def make(url):
        body = parse_monitor({"name": "w", "type": "Website", "url": url, "timeoutSeconds": 5})
        return monitors.create_monitor(account, body, clock.now())
    return make


def run_worker(monitor, slot=60):
    from chalicelib.bus.dispatch import CheckRequest, encode
    from chalicelib.checks.worker import process_batch
    from resulttools import minute_results

    job = CheckRequest(monitor.account_id, monitor.monitor_id, slot, "UsEast")
    assert process_batch([("m1", encode([job]))]) == {"batchItemFailures": []}
    return [result for _, result in minute_results(monitor)]


def test_a_check_goes_to_the_validated_address_when_dns_rebinds(worker_monitor, twin_servers,
                                                                 monkeypatch):
    public, internal = twin_servers
    calls = sequenced_resolver(monkeypatch, ["127.0.0.2"], ["127.0.0.1"])
    monitor = worker_monitor(f"http://rebind.test:{public.port}/")
    [stored] = run_worker(monitor)
    assert stored.ok and stored.status_code == 200
    assert (len(public.hits), internal.hits, calls) == (1, [], ["rebind.test"])


def test_a_webhook_goes_to_the_validated_address_when_dns_rebinds(clock, twin_servers, retries,
                                                                   monkeypatch):
    from chalicelib.notify import delivery

    public, internal = twin_servers
    monkeypatch.setattr(delivery, "OutboundGuard", PublicStandInGuard)
    calls = sequenced_resolver(monkeypatch, ["127.0.0.2"], ["127.0.0.1"])
    channel = channel_for("acc_ssrf", "Webhook", f"http://rebind.test:{public.port}/hook")
    record = delivery.send_test(channel)
    assert record.status == "Delivered"
    assert (public.hits, internal.hits, calls) == ([("POST", "/hook")], [], ["rebind.test"])


@pytest.mark.parametrize("location", [
    "http://127.0.0.1:{canary}/", "http://[::ffff:127.0.0.1]:{canary}/",
    "http://0x7f000001:{canary}/", "http://2130706433:{canary}/", "http://[::1]:{canary}/",
    "http://169.254.169.254/latest/meta-data/", "http://metadata.test/latest/meta-data/",
    "http://localhost:{canary}/", "file:///etc/passwd", "gopher://127.0.0.1:{canary}/_x",
])
def test_a_redirect_into_a_blocked_range_is_stored_as_ssrf_blocked_redirect(
        worker_monitor, twin_servers, canary, location):
    public, _ = twin_servers
    monitor = worker_monitor(f"http://public.test:{public.port}/to?"
                             + location.format(canary=canary.port))
    [stored] = run_worker(monitor)
    assert (stored.ok, stored.error_code) == (False, "SSRF_BLOCKED_REDIRECT")
    assert "redirect" in stored.error
    assert [method for method, _ in public.hits] == ["GET"]
