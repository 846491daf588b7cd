"""The check worker end to end on moto: real checks against a local HTTP server."""
import dataclasses
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chalicelib.bus.dispatch import CheckRequest, encode

from apitools import aws_calls
from resulttools import minute_results


class Target(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(type(self).status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class TargetServer(ThreadingHTTPServer):
    # The worker opens up to 64 connections at once; socketserver's default backlog of 5 made
    # the kernel drop connects on a loaded machine, and a check then failed for the test's
    # server, not for the code under test (seen: 2 of 100 "passing" checks evaluated).
    request_queue_size = 256


@pytest.fixture
def target():
    handler = type("Handler", (Target,), {"status": 200})
    server = TargetServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, handler
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_targets_allowed(monkeypatch):
    from chalicelib.monitors import service as monitors
    from chalicelib.checks import runner as checks

    for module in (checks, monitors):    # monitors: the save-time check of literal targets
        monkeypatch.setattr(module, "settings",
                            dataclasses.replace(module.settings, allow_private_targets=True))


@pytest.fixture
def monitor(clock, target, private_targets_allowed):
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor

    server, _ = target
    account = create_account("t", "Business", clock.now())
    body = parse_monitor({"name": "local", "type": "Website", "failureThreshold": 2,
                          "url": f"http://127.0.0.1:{server.server_address[1]}/health",
                          "regions": ["UsEast", "EuWest"]})
    return monitors.create_monitor(account, body, clock.now())


def batch(*records):
    from chalicelib.checks.worker import process_batch

    return process_batch(list(records))


def job(monitor, slot, region="UsEast"):
    return CheckRequest(monitor.account_id, monitor.monitor_id, slot, region)


def stored_results(monitor):
    return [result for _, result in minute_results(monitor)]


def test_it_checks_and_records_a_result_per_region(monitor):
    response = batch(("m1", encode([job(monitor, 60, "UsEast"), job(monitor, 60, "EuWest")])))
    assert response == {"batchItemFailures": []}
    results = minute_results(monitor)
    assert sorted(region for region, _ in results) == ["EuWest", "UsEast"]
    assert all(r.ok and r.status_code == 200 and r.slot == 60 for _, r in results)


def test_a_redelivered_job_writes_nothing_twice(monitor):
    body = encode([job(monitor, 60)])
    batch(("m1", body))
    batch(("m1-again", body))
    assert len(stored_results(monitor)) == 1


def test_a_down_target_is_a_result_not_a_batch_failure(monitor, target):
    _, handler = target
    handler.status = 503
    response = batch(("m1", encode([job(monitor, 60)])))
    assert response == {"batchItemFailures": []}
    [result] = stored_results(monitor)
    assert not result.ok and result.error == "HTTP 503 Service Unavailable"
    assert result.status_code == 503 and result.error_code


def test_a_bad_record_fails_alone(monitor):
    response = batch(("bad", "not json"), ("good", encode([job(monitor, 60)])))
    assert response == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert len(stored_results(monitor)) == 1


def test_a_failed_write_fails_only_its_record(monitor, monkeypatch):
    from chalicelib.storage import result_batches

    real = result_batches.put_minute

    def flaky(shard, minute, region, group, results, expires_at):
        if minute == 2:
            raise RuntimeError("DynamoDB throttled")
        return real(shard, minute, region, group, results, expires_at)

    monkeypatch.setattr(result_batches, "put_minute", flaky)
    response = batch(("a", encode([job(monitor, 60)])), ("b", encode([job(monitor, 120)])))
    assert response == {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert [r.slot for r in stored_results(monitor)] == [60]


def test_it_skips_deleted_and_paused_monitors(monitor, clock):
    from chalicelib.monitors import service as monitors

    monitors.set_paused(monitor.account_id, monitor.monitor_id, True, clock.now())
    batch(("m1", encode([job(monitor, 60)])))
    assert stored_results(monitor) == []


def test_the_monitor_goes_down_after_the_threshold_in_both_regions(monitor, target):
    from chalicelib.storage.monitors import get_monitor

    _, handler = target
    batch(("ok", encode([job(monitor, 60, "UsEast"), job(monitor, 60, "EuWest")])))
    assert get_monitor(monitor.account_id, monitor.monitor_id).status == "Up"
    handler.status = 500
    for slot in (120, 180):
        batch((f"s{slot}", encode([job(monitor, slot, "UsEast"), job(monitor, slot, "EuWest")])))
    item = get_monitor(monitor.account_id, monitor.monitor_id)
    assert item.status == "Down"
    assert item.state["region_status"] == {"UsEast": "Down", "EuWest": "Down"}


def test_no_scan_in_the_worker(monitor):
    with aws_calls() as calls:
        batch(("m1", encode([job(monitor, 60)])))
    assert "Scan" not in calls and "PutItem" in calls


def test_a_resumed_monitor_is_up_again_after_its_next_passing_check(monitor, clock):
    from chalicelib.monitors import service as monitors
    from chalicelib.storage.monitors import get_monitor

    both = lambda slot: encode([job(monitor, slot, "UsEast"), job(monitor, slot, "EuWest")])  # noqa: E731
    batch(("ok", both(60)))
    monitors.set_paused(monitor.account_id, monitor.monitor_id, True, clock.now())
    assert monitors.set_paused(monitor.account_id, monitor.monitor_id, False,
                               clock.now()).status == "Pending"
    batch(("after-resume", both(120)))
    assert get_monitor(monitor.account_id, monitor.monitor_id).status == "Up"


def test_a_steady_up_monitor_writes_no_mirror(monitor):
    both = lambda slot: encode([job(monitor, slot, "UsEast"), job(monitor, slot, "EuWest")])  # noqa: E731
    batch(("ok", both(60)))
    with aws_calls() as calls:
        batch(("steady", both(120)))
    # A minute item and a head per region; no state commit, no mirror, nothing per check.
    assert calls.count("PutItem") == 4 and "UpdateItem" not in calls
    assert "TransactWriteItems" not in calls
