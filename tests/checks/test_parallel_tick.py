"""The scheduler works in parallel (E16 point 8): the regions side by side, a minute's index
Queries side by side, a region's SendMessageBatch calls side by side; a region's cursor moves
only once every send of its minute succeeded.

Overlap is proven with barriers: a barrier of N parties passes only if N calls are in flight at
once, and breaks (failing the test) when the calls run one after another."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import partial

import pytest

from test_scheduler import account, add_monitor  # noqa: F401 - fixtures and helpers shared

MINUTE = 29_000_000
NOW = MINUTE * 60 + 1


@pytest.fixture
def pools():
    from chalicelib.checks.scheduler import TickPools

    with ThreadPoolExecutor(2) as regions, ThreadPoolExecutor(8) as calls:
        yield TickPools(regions, calls)


def tick(clock, pools, send=None):
    from chalicelib.checks.scheduler import run_tick

    clock.set(datetime.fromtimestamp(NOW, tz=timezone.utc))
    return run_tick(clock.now(), send=send, pools=pools)


class FakeQueue:
    """A region's fast SQS client: each SendMessageBatch waits at `barrier` (when set), and
    `refuse` lists the calls (1-based) SQS answers with a failure."""

    def __init__(self, log: list, barrier=None, refuse=()):
        self.log, self.barrier, self.refuse, self.calls = log, barrier, set(refuse), 0
        self._lock = threading.Lock()

    def get_queue_url(self, QueueName):
        return {"QueueUrl": f"https://sqs.local/{QueueName}"}

    def send_message_batch(self, QueueUrl, Entries):
        with self._lock:
            self.calls += 1
            call = self.calls
        if self.barrier:
            self.barrier.wait()
        if call in self.refuse:
            self.log.append("refused")
            return {"Failed": [{"Id": Entries[0]["Id"], "Message": "throttled"}]}
        self.log.append("sent")
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}


def jobs_in_seconds(region, seconds):
    """One check in each of `seconds` seconds of the coming minute: one message each."""
    from chalicelib.bus.check_requests import CheckRequest

    return [CheckRequest("acc", f"mon_{s}", (MINUTE + 1) * 60 + s, region) for s in range(seconds)]


@pytest.fixture
def queues(monkeypatch):
    """Install fake fast clients: `queues(region, queue)`."""
    from chalicelib.bus import dispatch
    from chalicelib.bus import queues as queue_urls

    fakes = {}
    monkeypatch.setattr(dispatch, "fast_sqs", lambda region: fakes[region])
    queue_urls._queue_urls.clear()
    yield fakes.__setitem__
    queue_urls._queue_urls.clear()


def test_the_index_queries_of_a_minute_run_side_by_side(account, clock, pools, monkeypatch):  # noqa: F811
    from chalicelib.checks import scheduler
    from chalicelib.monitors.scheduling import SHARDS

    monitor = add_monitor(account, clock, "a", regions=("UsEast", "EuWest"))
    every_shard_at_once = threading.Barrier(SHARDS, timeout=10)   # one Query per shard
    real = scheduler.monitor_store.due_entries
    asked = []

    def due_entries(key):
        asked.append(key)
        every_shard_at_once.wait()
        return real(key)

    monkeypatch.setattr(scheduler.monitor_store, "due_entries", due_entries)
    got = []
    tick(clock, pools, send=lambda jobs, now: got.extend(jobs) or len(jobs))
    assert len(asked) == SHARDS                 # read once, shared by both regions
    assert sorted((j.monitor_id, j.region) for j in got) == [
        (monitor.monitor_id, "EuWest"), (monitor.monitor_id, "UsEast")]


def test_the_regions_are_sent_side_by_side(account, clock, pools):  # noqa: F811
    from chalicelib.storage import control

    add_monitor(account, clock, "a", regions=("UsEast", "EuWest"))
    both_regions_at_once = threading.Barrier(2, timeout=10)

    def send(jobs, now):
        both_regions_at_once.wait()
        return len(jobs)

    done = tick(clock, pools, send=send)
    assert done["jobs"] == 2
    assert control.region_cursor("UsEast") == control.region_cursor("EuWest") == MINUTE + 1


def test_a_tick_runs_on_the_processs_pools_unless_told_otherwise(account, clock):  # noqa: F811
    add_monitor(account, clock, "a", regions=("UsEast", "EuWest"))
    both_regions_at_once = threading.Barrier(2, timeout=10)

    def send(jobs, now):
        both_regions_at_once.wait()
        return len(jobs)

    assert tick(clock, None, send=send)["jobs"] == 2


def test_a_failing_region_leaves_the_others_sent_while_it_fails(account, clock, pools):  # noqa: F811
    from chalicelib.storage import control

    add_monitor(account, clock, "a", regions=("UsEast", "EuWest"))
    eu_failed, sent = threading.Event(), []

    def send(jobs, now):
        if jobs[0].region == "EuWest":
            eu_failed.set()
            raise ConnectionRefusedError("connection refused")
        assert eu_failed.wait(10)              # UsEast is in flight while EuWest fails
        sent.extend(jobs)
        return len(jobs)

    done = tick(clock, pools, send=send)
    assert [j.region for j in sent] == ["UsEast"]
    assert done["regions"]["EuWest"]["failed"] and not done["regions"]["UsEast"]["failed"]
    assert control.region_cursor("UsEast") == MINUTE + 1
    assert control.region_cursor("EuWest") is None


def test_a_regions_batches_are_sent_side_by_side_before_its_cursor_moves(aws, queues, monkeypatch):
    from chalicelib.bus import dispatch
    from chalicelib.checks import region_dispatch
    from chalicelib.storage import control

    log = []
    queues("UsEast", FakeQueue(log, barrier=threading.Barrier(2, timeout=10)))
    assert control.advance_cursor(None, MINUTE, control.region_cursor_name("UsEast"))
    real_advance = control.advance_cursor
    monkeypatch.setattr(control, "advance_cursor",
                        lambda *args, **kw: log.append("cursor") or real_advance(*args, **kw))
    jobs = jobs_in_seconds("UsEast", 20)                   # 20 messages: two batches of ten
    with ThreadPoolExecutor(4) as pool:
        outcome = region_dispatch.send_region(
            "UsEast", control.RegionCursor(MINUTE), None, MINUTE + 1, NOW, lambda minute: jobs,
            partial(dispatch.send_fast, pool=pool))
    assert log == ["sent", "sent", "cursor"]
    assert (outcome.messages, outcome.failed) == (20, False)
    assert control.region_cursor("UsEast") == MINUTE + 1


def test_a_partial_failure_inside_a_regions_minute_leaves_its_cursor_unmoved(aws, queues):
    from chalicelib.bus import dispatch
    from chalicelib.checks import region_dispatch
    from chalicelib.storage import control

    log = []
    queues("UsEast", FakeQueue(log, refuse={2}))           # the second of three batches
    assert control.advance_cursor(None, MINUTE, control.region_cursor_name("UsEast"))
    jobs = jobs_in_seconds("UsEast", 30)
    with ThreadPoolExecutor(4) as pool:
        outcome = region_dispatch.send_region(
            "UsEast", control.RegionCursor(MINUTE), None, MINUTE + 1, NOW, lambda minute: jobs,
            partial(dispatch.send_fast, pool=pool))
    assert sorted(log) == ["refused", "sent", "sent"]      # every batch was tried
    assert outcome.failed and outcome.sent_minutes == []
    assert control.region_cursor("UsEast") == MINUTE       # the whole minute is sent again
