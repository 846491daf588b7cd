"""Faults the pipeline must survive (ARCHITECTURE §4): DynamoDB throttling and timeouts, a
worker dying mid-batch, SQS duplicates and reordering, an SMTP server down, webhook receivers
that hang, crawl or never stop talking, DNS that never answers, bad certificates.

For each: no lost alert, no duplicate alert, no stuck monitor, a clear error in the record.
Everything runs on moto and on real servers on 127.0.0.1.
"""
import asyncio
import dataclasses
import json
import socket
import ssl
import threading
import time
import tracemalloc
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import trustme
from botocore.exceptions import ClientError, ReadTimeoutError

from chalicelib.bus.dispatch import CheckRequest, encode

from resulttools import minute_results


# --- helpers ---------------------------------------------------------------------------------

@contextmanager
def failing_calls(operation, times, kind="throttle"):
    """The first `times` calls of a DynamoDB `operation` fail as AWS would fail them (botocore's
    own retries are above this point in production; here they are exhausted)."""
    from botocore.client import BaseClient

    original, seen = BaseClient._make_api_call, []

    def flaky(self, name, params):
        if name == operation and len(seen) < times:
            seen.append(name)
            if kind == "throttle":
                raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                             "Message": "Rate of requests exceeds the allowed"
                                                        " throughput."}}, name)
            raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        return original(self, name, params)

    BaseClient._make_api_call = flaky
    try:
        yield seen
    finally:
        BaseClient._make_api_call = original


class StatusTarget(BaseHTTPRequestHandler):
    status = 500

    def do_GET(self):
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def target():
    handler = type("Handler", (StatusTarget,), {"status": 500})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(handler=handler, url=f"http://127.0.0.1:{server.server_address[1]}/")
    server.shutdown()
    server.server_close()


@pytest.fixture
def published(monkeypatch):
    """Events the evaluator publishes (each one becomes alerts downstream)."""
    from chalicelib.status import evaluator

    sent = []
    monkeypatch.setattr(evaluator.events, "publish", lambda event: sent.append(event))
    return sent


@pytest.fixture
def monitor(clock, target, private_ok):
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor

    account = create_account("t", "Business", clock.now())
    body = parse_monitor({"name": "flaky", "type": "Website", "url": target.url,
                          "failureThreshold": 2, "regions": ["UsEast"], "timeoutSeconds": 5})
    return monitors.create_monitor(account, body, clock.now())


def job(monitor, slot, region="UsEast"):
    return CheckRequest(monitor.account_id, monitor.monitor_id, slot, region)


def batch(*records):
    from chalicelib.checks.worker import process_batch

    return process_batch(list(records))


def stored(monitor):
    return sorted((r.slot, region) for region, r in minute_results(monitor))


def status_of(monitor):
    from chalicelib.storage.monitors import get_monitor

    return get_monitor(monitor.account_id, monitor.monitor_id).status


def downs(published):
    return [e.event_id for e in published if e.type == "monitor.down"]


# --- DynamoDB throttling and timeouts --------------------------------------------------------

@pytest.mark.parametrize("kind", ["throttle", "timeout"])
def test_a_throttled_result_write_fails_its_record_alone_and_the_redelivery_counts_once(
        monitor, published, kind):
    a, b = ("a", encode([job(monitor, 60)])), ("b", encode([job(monitor, 120)]))
    with failing_calls("PutItem", 1, kind) as seen:
        assert batch(a, b) == {"batchItemFailures": [{"itemIdentifier": "a"}]}
    assert seen == ["PutItem"]
    assert stored(monitor) == [(120, "UsEast")]
    assert batch(a) == {"batchItemFailures": []}          # SQS redelivers the failed record
    assert batch(a) == {"batchItemFailures": []}          # ... and, at least once, again
    assert stored(monitor) == [(60, "UsEast"), (120, "UsEast")]
    assert status_of(monitor) == "Down" and len(downs(published)) == 1


@pytest.mark.parametrize("operation", ["TransactWriteItems"])
@pytest.mark.parametrize("kind", ["throttle", "timeout"])
def test_a_throttled_evaluation_is_retried_by_the_redelivery(monitor, published, operation, kind):
    """The result is written, then the evaluator's commit fails: the redelivered job
    finds its result stored and must still be evaluated, or the slot is lost and the monitor
    never goes Down (a lost alert)."""
    batch(("s1", encode([job(monitor, 60)])))
    with failing_calls(operation, 1, kind):
        assert batch(("s2", encode([job(monitor, 120)]))) == {
            "batchItemFailures": [{"itemIdentifier": "s2"}]}
    assert status_of(monitor) != "Down" and downs(published) == []
    assert batch(("s2", encode([job(monitor, 120)]))) == {"batchItemFailures": []}
    assert batch(("s2", encode([job(monitor, 120)]))) == {"batchItemFailures": []}
    assert status_of(monitor) == "Down"
    assert len(downs(published)) == 1


# --- a worker dying mid-batch ---------------------------------------------------------------

class WorkerDied(BaseException):
    """Not an Exception: nothing in the handler catches it, as with a killed Lambda."""


def test_a_worker_dying_after_half_the_results_loses_none_and_duplicates_none(monitor,
                                                                              monkeypatch):
    from chalicelib.storage import result_batches

    records = [(f"m{slot}", encode([job(monitor, slot)])) for slot in (60, 120, 180, 240)]
    real, written = result_batches.put_minute, []

    def dies_halfway(*args, **kwargs):
        if len(written) == 2:
            raise WorkerDied()
        written.append(real(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(result_batches, "put_minute", dies_halfway)
    with pytest.raises(WorkerDied):
        batch(*records)
    assert len(stored(monitor)) == 2
    monkeypatch.setattr(result_batches, "put_minute", real)
    assert batch(*records) == {"batchItemFailures": []}   # the whole batch comes back
    assert [slot for slot, _ in stored(monitor)] == [60, 120, 180, 240]


# --- SQS duplicates and reordering ------------------------------------------------------------

def test_duplicated_and_reordered_check_jobs_count_each_slot_once(monitor, published):
    order = [180, 60, 180, 120, 60, 240, 120, 240]
    for n, slot in enumerate(order):
        assert batch((f"m{n}", encode([job(monitor, slot)]))) == {"batchItemFailures": []}
    assert [slot for slot, _ in stored(monitor)] == [60, 120, 180, 240]
    assert status_of(monitor) == "Down"
    assert len(downs(published)) == 1


@pytest.fixture
def retries(monkeypatch):
    from chalicelib.notify import delivery

    sent = []
    monkeypatch.setattr(delivery, "send_retry_message", lambda message, now: sent.append(message))
    return sent


def channel_monitor(api, channel_body):
    channel = api.post("/api/alert-channels", {"name": "ch", **channel_body})
    assert channel.status_code == 201, channel.json
    monitor = api.post("/api/monitors", {"name": "Production API", "type": "Website",
                                         "url": "https://api.example.com",
                                         "alertChannelIds": [channel.json["id"]]}).json
    return monitor


def down_event(api, monitor, event_id="evt_fault_1"):
    return {"id": event_id, "event": "monitor.down", "accountId": api.get("/api/account").json["id"],
            "monitor": {"id": monitor["id"], "name": "Production API",
                        "url": "https://api.example.com", "type": "Website"},
            "alert": {"type": "Down", "message": "HTTP 503 Service Unavailable",
                      "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": 5230}}


def alert_records(api):
    return api.get("/api/alerts").json["items"]


def body_of(message):
    return json.dumps(message.__dict__)


def test_duplicated_and_reordered_retry_messages_send_each_attempt_once(
        api, clock, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver(500, 500)
    monitor = channel_monitor(api, {"type": "Webhook", "webhookUrl": hook.url})
    delivery.deliver_event(down_event(api, monitor))
    first = retries[-1]
    clock.advance(first.not_before - clock.time())
    delivery.handle_retry_message(body_of(first))
    second = retries[-1]
    assert second is not first
    delivery.handle_retry_message(body_of(first))       # a late duplicate of the first retry
    delivery.handle_retry_message(body_of(second))      # the second, before its time
    assert len(hook.received) == 2
    clock.advance(second.not_before - clock.time())
    delivery.handle_retry_message(body_of(second))
    delivery.handle_retry_message(body_of(second))      # a duplicate after delivery
    delivery.handle_retry_message(body_of(first))       # the stalest message, last
    assert len(hook.received) == 3
    [record] = alert_records(api)
    assert (record["status"], record["attempts"]) == ("Delivered", 3)


def test_a_throttled_claim_is_sent_when_the_event_comes_again(api, clock, private_ok, receiver,
                                                              retries):
    """The record is created, then its first claim is throttled: SNS retries the event (or the
    outbox publishes it again), which finds the record never attempted and sends it, once."""
    from chalicelib.notify import delivery

    hook = receiver()
    monitor = channel_monitor(api, {"type": "Webhook", "webhookUrl": hook.url})
    event = down_event(api, monitor)
    with failing_calls("UpdateItem", 1):
        with pytest.raises(Exception, match="ProvisionedThroughputExceeded"):
            delivery.deliver_event(event)
    delivery.deliver_event(event)                       # SNS retries the invocation
    delivery.deliver_event(event)                       # and once more: nothing new
    assert len(hook.received) == 1
    clock.advance(delivery.LEASE_SECONDS + 61)
    assert delivery.sweep_due(clock.time()) == 0
    [record] = alert_records(api)
    assert (record["status"], record["attempts"]) == ("Delivered", 1)


def test_a_throttled_finish_is_recorded_again_and_sent_once(
        api, clock, private_ok, receiver, retries, monkeypatch):
    """Sent, then the outcome cannot be written at once: it is written on a later try within
    the claim's lease, so the sweeper has nothing to send again."""
    from chalicelib.notify import delivery

    hook = receiver()
    monitor = channel_monitor(api, {"type": "Webhook", "webhookUrl": hook.url})
    real_finish, calls = delivery.records.finish_attempt, []

    def finish_throttled(*args, **kwargs):
        calls.append(1)
        with failing_calls("UpdateItem", 1 if len(calls) == 1 else 0):
            return real_finish(*args, **kwargs)

    monkeypatch.setattr(delivery.records, "finish_attempt", finish_throttled)
    delivery.deliver_event(down_event(api, monitor))
    assert len(calls) == 2
    clock.advance(delivery.LEASE_SECONDS + 61)
    assert delivery.sweep_due(clock.time()) == 0
    assert len(hook.received) == 1
    [record] = alert_records(api)
    assert (record["status"], len(record["history"])) == ("Delivered", 1)


# --- an SMTP server down, then back -----------------------------------------------------------

def test_an_smtp_server_down_is_retried_then_delivered_when_it_is_back(
        api, clock, private_ok, retries, monkeypatch):
    from chalicelib.notify import delivery
    from chalicelib.channels.kinds import base
    import local.dynamodb_local as ports
    from targets import SmtpSink

    sink = SmtpSink()
    port = sink.port
    sink.stop()                                        # the server is down: a closed port
    monkeypatch.setattr(base, "settings",
                        dataclasses.replace(base.settings, smtp_url=f"smtp://127.0.0.1:{port}"))
    monitor = channel_monitor(api, {"type": "Email", "addresses": ["ops@example.com"]})
    delivery.deliver_event(down_event(api, monitor))
    [record] = alert_records(api)
    assert record["status"] == "Retrying"
    assert "refused" in record["lastError"].lower()
    monkeypatch.setattr(ports, "free_port", lambda: port)
    back = SmtpSink()                                  # back, on the same port
    try:
        clock.advance(retries[-1].not_before - clock.time())
        delivery.handle_retry_message(body_of(retries[-1]))
        assert len(back.messages) == 1
        assert "[Enori]" in back.subjects()[0]
    finally:
        back.stop()
    [record] = alert_records(api)
    assert (record["status"], record["attempts"]) == ("Delivered", 2)


# --- webhook receivers that hang, crawl or never stop ----------------------------------------

class SlowReceiver(BaseHTTPRequestHandler):
    """POST /slow/<seconds> answers after that long; /endless streams up to 100 MB."""
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts += 1
        parts = self.path.strip("/").split("/")
        if parts[0] == "slow":
            time.sleep(float(parts[1]))
        if parts[0] == "endless":
            return self._endless()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def _endless(self):
        chunk = b"x" * 65536
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            while self.server.sent < 100 * 1024 * 1024:
                self.wfile.write(chunk)
                self.server.sent += len(chunk)
        except OSError:
            pass                                        # the client hung up: the point

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowReceiver)
    server.daemon_threads, server.posts, server.sent = True, 0, 0
    server.handle_error = lambda *args: None
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield SimpleNamespace(server=server, url=f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()
    server.server_close()


@pytest.fixture
def short_send_timeout(monkeypatch):
    """The sender's 10 s timeout, scaled down to 1 s (SendContext.timeout, injected)."""
    from chalicelib.notify import delivery

    monkeypatch.setattr(delivery, "SEND_TIMEOUT_SECONDS", 1.0)
    return 1.0


@pytest.fixture
def hung_port():
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    yield listener.getsockname()[1]
    listener.close()


def test_a_hung_webhook_times_out_and_is_retried(api, clock, private_ok, retries, hung_port,
                                                 short_send_timeout):
    from chalicelib.notify import delivery

    monitor = channel_monitor(api, {"type": "Webhook",
                                    "webhookUrl": f"http://127.0.0.1:{hung_port}/hook"})
    started = time.monotonic()
    delivery.deliver_event(down_event(api, monitor))
    assert time.monotonic() - started < short_send_timeout + 2
    [record] = alert_records(api)
    assert record["status"] == "Retrying"
    assert record["lastError"] == "timed out after 1 s"
    assert len(retries) == 1 and retries[0].not_before - clock.time() == 30


def test_a_slow_webhook_just_under_the_timeout_is_delivered(api, private_ok, retries,
                                                            slow_receiver, short_send_timeout):
    from chalicelib.notify import delivery

    monitor = channel_monitor(api, {"type": "Webhook",
                                    "webhookUrl": f"{slow_receiver.url}/slow/0.7"})
    delivery.deliver_event(down_event(api, monitor))
    [record] = alert_records(api)
    assert record["status"] == "Delivered" and retries == []


def test_an_endless_response_is_delivered_without_reading_it_all(api, private_ok, retries,
                                                                 slow_receiver):
    from chalicelib.notify import delivery

    monitor = channel_monitor(api, {"type": "Webhook",
                                    "webhookUrl": f"{slow_receiver.url}/endless"})
    tracemalloc.start()
    try:
        delivery.deliver_event(down_event(api, monitor))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [record] = alert_records(api)
    assert record["status"] == "Delivered"
    assert peak < 16 * 1024 * 1024                      # bounded, far from 100 MB
    time.sleep(0.2)                                     # let the server notice the hang-up
    assert slow_receiver.server.sent < 50 * 1024 * 1024


# --- DNS that never answers -------------------------------------------------------------------

def test_a_dns_lookup_that_never_answers_is_a_timeout_result(clock, private_ok, monkeypatch):
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor
    from chalicelib.kernel.netguard import OutboundGuard
    from chalicelib.checks import runner as checks

    async def never_answers(host):
        await asyncio.Event().wait()

    monkeypatch.setattr(checks, "OutboundGuard", lambda allow_private: OutboundGuard(
        allow_private=True, resolver=never_answers, offline=False))
    account = create_account("t", "Business", clock.now())
    item = monitors.create_monitor(account, parse_monitor(
        {"name": "dns", "type": "Website", "url": "http://slow-dns.test/", "timeoutSeconds": 1}),
        clock.now())
    assert batch(("m", encode([job(item, 60)]))) == {"batchItemFailures": []}
    [(_, result)] = minute_results(item)
    assert (result.ok, result.error_code, result.error) == (False, "TIMEOUT", "timed out after 1 s")


# --- bad certificates -------------------------------------------------------------------------

def start_tls(context):
    server = ThreadingHTTPServer(("127.0.0.1", 0), StatusTarget)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    server.handle_error = lambda *args: None
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def tls_context(cert_pem, key_pem):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert_path = f"/tmp/enori-faults-{id(cert_pem)}.pem"
    with open(cert_path, "wb") as handle:
        handle.write(key_pem + cert_pem)
    context.load_cert_chain(cert_path)
    return context


@pytest.fixture
def trusted_ca(monkeypatch):
    """The worker trusts this CA (a self-hosted install's private CA)."""
    from chalicelib.kernel.netguard import make_ssl_context
    from chalicelib.checks import runner as checks

    ca = trustme.CA()
    monkeypatch.setattr(checks, "_ssl_context", make_ssl_context(ca.cert_pem.bytes()))
    return ca


@pytest.mark.parametrize("certificate, words", [("expired", "TLS certificate expired"),
                                                ("self-signed", "self-signed")])
def test_a_bad_certificate_is_a_clear_failure_in_the_stored_result(clock, private_ok, trusted_ca,
                                                                   certificate, words):
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor

    now = datetime.now(timezone.utc)
    if certificate == "expired":
        cert = trusted_ca.issue_cert("localhost", not_before=now - timedelta(days=400),
                                     not_after=now - timedelta(days=1))
        context = tls_context(cert.cert_chain_pems[0].bytes(), cert.private_key_pem.bytes())
    else:
        stranger = trustme.CA()                         # its own root, served as the leaf
        context = tls_context(stranger.cert_pem.bytes(), stranger.private_key_pem.bytes())
    server = start_tls(context)
    try:
        account = create_account("t", "Business", clock.now())
        item = monitors.create_monitor(account, parse_monitor(
            {"name": "tls", "type": "Website", "timeoutSeconds": 5,
             "url": f"https://localhost:{server.server_address[1]}/"}), clock.now())
        assert batch(("m", encode([job(item, 60)]))) == {"batchItemFailures": []}
    finally:
        server.shutdown()
        server.server_close()
    [(_, result)] = minute_results(item)
    assert (result.ok, result.error_code) == (False, "TLS_ERROR")
    assert words in result.error
