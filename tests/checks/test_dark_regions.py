"""Degraded quorum on the worker's path (E16 point 6, detection latency): results recorded and
evaluated as the worker does (skipped when they agree with what the monitor shows), each at its
own second of an injected clock. A region dark before an outage does not delay its detection;
a region merely late is waited for, never called dark."""
import pytest

from chalicelib.checks.checkers.base import CheckResult

UP = CheckResult(ok=True, status_code=200, response_time_ms=80)
DOWN = CheckResult(ok=False, error="HTTP 503 Service Unavailable", status_code=503)


@pytest.fixture
def published(monkeypatch):
    from chalicelib.bus import events

    seen: list = []
    monkeypatch.setattr(events, "publish", lambda item: seen.append(item) or True)
    return seen


def make_monitor(clock, interval, timeout=None, threshold=2):
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    body = {"name": "api", "type": "Website", "url": "https://api.example.com",
            "intervalSeconds": interval, "failureThreshold": threshold,
            "regions": ["UsEast", "EuWest"]}
    if timeout:
        body["timeoutSeconds"] = timeout
    return monitors.create_monitor(create_account("t", "Business", clock.now(),
                                                  thirty_second_checks=True),
                                   parse_monitor(body), clock.now())


def shown(monitor):
    from chalicelib.storage.monitors import get_monitor

    return get_monitor(monitor.account_id, monitor.monitor_id)


def deliver(monitor, clock, at, slot, region, result):
    """The worker records `region`'s result for `slot` at second `at`, its request carrying
    the verdict the monitor showed (the scheduler's expectation)."""
    from chalicelib.bus.dispatch import CheckRequest
    from chalicelib.checks.worker import Ran
    from resulttools import record_run as record
    from chalicelib.status import expectations

    clock.advance(at - clock.time())
    loaded = shown(monitor)
    job = CheckRequest(monitor.account_id, monitor.monitor_id, slot, region,
                       expect=expectations.expected_of(loaded.status, loaded.state))
    record(Ran(job, loaded, result), 30)


def first_slot(clock) -> int:
    return (int(clock.time()) // 60 + 1) * 60


def events_of(published, kind):
    return [e for e in published if e.type == kind]


def test_a_region_dark_before_an_outage_lets_the_live_regions_failures_count_at_once(
        clock, published):
    """EuWest never reports. A 30 s monitor, threshold 2: Down at the second failed slot,
    as with both regions up — not a slot or more later."""
    monitor = make_monitor(clock, 30)
    start = first_slot(clock)
    for slot in range(start, start + 120, 30):                  # Up, quietly, from UsEast only
        deliver(monitor, clock, slot + 1, slot, "UsEast", UP)
    assert shown(monitor).status == "Up"
    failed = start + 120
    deliver(monitor, clock, failed + 1, failed, "UsEast", DOWN)
    assert shown(monitor).status == "Up"                         # one failed slot of two
    deliver(monitor, clock, failed + 31, failed + 30, "UsEast", DOWN)
    detail = shown(monitor)
    assert detail.status == "Down"
    assert detail.state["region_status"] == {"UsEast": "Down"}
    assert detail.state["not_checked_slots"] >= 2
    down, = events_of(published, "monitor.down")
    assert down.payload["downSinceSlot"] == failed
    unchecked, = events_of(published, "monitor.not_checked")
    assert "EuWest reported nothing" in unchecked.payload["alert"]["message"]


def test_a_region_dark_from_the_start_is_told_while_the_monitor_is_up(clock, published):
    """No silent Up: passing results that agree with a steady Up are skipped, but not while
    slots short of the quorum are untold. Once told, they are skipped again."""
    monitor = make_monitor(clock, 30)
    start = first_slot(clock)
    for slot in range(start, start + 90, 30):
        deliver(monitor, clock, slot + 1, slot, "UsEast", UP)
    unchecked, = events_of(published, "monitor.not_checked")
    assert unchecked.payload["slot"] == start + 60        # two settled slots without EuWest
    detail = shown(monitor)
    assert detail.status == "Up" and detail.state["not_checked_slots"] == 3
    assert detail.state["steady"] is True                  # told: passes are quiet again
    deliver(monitor, clock, start + 91, start + 90, "UsEast", UP)
    assert shown(monitor).state["not_checked_slots"] == 3  # not evaluated, so not re-counted
    assert len(events_of(published, "monitor.not_checked")) == 1


def scheduler_sent(region, minute):
    """The scheduler sent `region` every minute up to `minute` (its cursor, as a tick moves it)."""
    from chalicelib.storage import control

    assert control.advance_cursor(control.region_cursor(region), minute,
                                  control.region_cursor_name(region))


@pytest.mark.parametrize("interval", [30, 60])
@pytest.mark.parametrize("euwest_sent_until", [None, "before the monitor", "passed over dark"])
def test_a_region_never_sent_the_checks_lets_a_young_monitor_go_down_at_its_first_failure(
        clock, published, interval, euwest_sent_until):
    """The bench's case (E16 point 6): the target stops right after the check that made a new
    monitor Up, so one slot is known and none without EuWest is settled yet. EuWest's queue
    cannot be reached: the scheduler never sent it these checks (no cursor, one stuck before
    them, or one that passed over their minutes with no call while its sends failed), so its
    results cannot come. Threshold 1: Down at the first failed slot, decided by UsEast as its
    result comes — not an interval later."""
    from chalicelib.storage import control

    monitor = make_monitor(clock, interval, threshold=1)
    start = first_slot(clock)
    scheduler_sent("UsEast", start // 60 + 3)
    if euwest_sent_until:
        scheduler_sent("EuWest", start // 60 - 1)
    if euwest_sent_until == "passed over dark":
        control.mark_failing(control.region_cursor_name("EuWest"), start // 60)
        scheduler_sent("EuWest", start // 60 + 3)
    deliver(monitor, clock, start + 1, start, "UsEast", UP)
    assert shown(monitor).status == "Up"
    failed = start + interval
    deliver(monitor, clock, failed + 1, failed, "UsEast", DOWN)
    detail = shown(monitor)
    assert detail.status == "Down"
    down, = events_of(published, "monitor.down")
    assert down.payload["downSinceSlot"] == failed
    assert "EuWest reported nothing" in \
        events_of(published, "monitor.not_checked")[0].payload["alert"]["message"]


def test_a_region_sent_the_check_is_waited_for_however_young_the_monitor(clock, published):
    """The same young monitor, but the scheduler did send EuWest its checks: its result may
    still come (within the timeout and the grace), so UsEast's first failure alone decides
    nothing yet, and EuWest passing keeps the monitor Up."""
    monitor = make_monitor(clock, 60, threshold=1)
    start = first_slot(clock)
    for region in ("UsEast", "EuWest"):
        scheduler_sent(region, start // 60 + 3)
    deliver(monitor, clock, start + 1, start, "UsEast", UP)
    deliver(monitor, clock, start + 61, start + 60, "UsEast", DOWN)
    assert shown(monitor).status == "Up"
    deliver(monitor, clock, start + 75, start + 60, "EuWest", UP)
    assert shown(monitor).status == "Up"
    assert events_of(published, "monitor.down") == []
    assert events_of(published, "monitor.not_checked") == []


def late_stream(start, slots, region_late, failing_from, euwest_fails):
    """(arrival second, slot, region, result), in arrival order: UsEast a second after each
    slot, EuWest `region_late` seconds after it."""
    arrivals = []
    for slot in range(start, start + 60 * slots, 60):
        down = slot >= failing_from
        arrivals.append((slot + 1, slot, "UsEast", DOWN if down else UP))
        arrivals.append((slot + region_late, slot, "EuWest",
                         DOWN if down and euwest_fails else UP))
    return sorted(arrivals, key=lambda a: a[0])


def test_a_region_late_by_more_than_an_interval_is_not_dark(clock, published):
    """A 60 s monitor with a 60 s timeout: EuWest's results come 65 s after their slot (a slow
    check, within its timeout and the grace), after UsEast's of the next slot. Both regions
    fail: the monitor goes Down once EuWest's failures are in, and nobody is told EuWest
    reported nothing."""
    monitor = make_monitor(clock, 60, timeout=60)
    start = first_slot(clock)
    failing_from = start + 180
    for at, slot, region, result in late_stream(start, 6, 65, failing_from, euwest_fails=True):
        deliver(monitor, clock, at, slot, region, result)
    assert shown(monitor).status == "Down"
    down, = events_of(published, "monitor.down")
    assert down.payload["downSinceSlot"] == failing_from
    assert down.payload["region"] == "EuWest"                    # decided by EuWest's result
    assert events_of(published, "monitor.not_checked") == []


def test_a_late_region_that_passes_keeps_one_failing_region_from_declaring_down(
        clock, published):
    """The same late EuWest, passing, while UsEast fails: quorum 2 of 2 is never reached."""
    monitor = make_monitor(clock, 60, timeout=60)
    start = first_slot(clock)
    for at, slot, region, result in late_stream(start, 8, 65, start + 120, euwest_fails=False):
        deliver(monitor, clock, at, slot, region, result)
    assert shown(monitor).status == "Up"
    assert events_of(published, "monitor.down") == []
    assert events_of(published, "monitor.not_checked") == []
