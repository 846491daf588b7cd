"""The missed-run sweep: a silent job goes Down once per missed run, a ping brings it Up."""
import json
from datetime import datetime, timezone

import pytest

from chalicelib.kernel.clock import iso

from apitools import aws_calls

CREATED = datetime(2026, 3, 24, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def account(clock):
    from chalicelib.accounts.service import create_account

    return create_account("t", "Business", clock.now())


def add_job(account, clock, name="heartbeat", **config):
    from chalicelib.monitors import service as monitors
    from chalicelib.monitors.models import parse_monitor

    body = parse_monitor({"name": name, "type": "Job", "periodSeconds": 60,
                          "gracePeriodSeconds": 30, **config})
    return monitors.create_monitor(account, body, clock.now())


def send_ping(monitor, clock, kind="Success"):
    from chalicelib.heartbeats import service as heartbeats

    heartbeats.receive_ping(monitor.ping_token, heartbeats.PingIn(kind=kind, method="GET"),
                            clock.now())


def sweep(clock):
    """Run the deployed scheduled function, as EventBridge would."""
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        result = client.lambda_.invoke("detect_missed_runs",
                                       client.events.generate_cw_event(
                                           source="aws.events", detail_type="Scheduled Event",
                                           detail={}, resources=[]))
    return result.payload


def fresh(monitor):
    """The monitor with its job state shown on it, as the API reads it."""
    from chalicelib.monitors.jobs import get_monitor_and_job

    return get_monitor_and_job(monitor.account_id, monitor.monitor_id)[0]


def stored_event(monitor, kind, slot):
    from chalicelib.bus import events
    from chalicelib.storage.events import EventItem

    try:
        return EventItem.get(events.event_id_for(monitor.monitor_id, kind, slot, ""))
    except EventItem.DoesNotExist:
        return None


def at(clock, seconds_after_creation):
    clock.set(datetime.fromtimestamp(CREATED.timestamp() + seconds_after_creation, timezone.utc))


def test_a_silent_job_goes_down_once_its_deadline_passes(account, clock):
    job = add_job(account, clock)
    send_ping(job, clock)                          # 10:00:00, Up; deadline 10:01:30
    at(clock, 89)
    assert sweep(clock)["reported"] == 0
    assert fresh(job).status == "Up"
    at(clock, 90)
    assert sweep(clock)["reported"] == 1
    assert fresh(job).status == "Down"
    event = stored_event(job, "monitor.down", int(CREATED.timestamp()) + 90)
    assert event is not None
    assert event.payload["alert"]["message"] == f"no ping since {iso(CREATED)}"


def test_it_reports_once_per_missed_run_not_every_minute(account, clock):
    job = add_job(account, clock, periodSeconds=3600, gracePeriodSeconds=60)
    send_ping(job, clock)
    at(clock, 3660)
    assert sweep(clock)["reported"] == 1
    for minute in range(1, 10):
        at(clock, 3660 + 60 * minute)
        assert sweep(clock)["overdue"] == 0
    assert fresh(job).deadline_at == CREATED.timestamp() + 2 * 3600 + 60


def test_a_later_ping_brings_it_up_again(account, clock):
    job = add_job(account, clock)
    send_ping(job, clock)
    at(clock, 120)
    sweep(clock)
    assert fresh(job).status == "Down"
    send_ping(job, clock)
    assert fresh(job).status == "Up"
    assert stored_event(job, "monitor.up", int(CREATED.timestamp()) + 120) is not None


def test_a_deadline_armed_too_early_is_moved_not_reported(account, clock):
    from chalicelib.storage.job_states import move_deadline

    job = add_job(account, clock)
    at(clock, 50)
    send_ping(job, clock)                          # deadline 10:02:20
    # An edit that loaded the monitor before this ping re-armed from the older ping.
    move_deadline(job.monitor_id, int(CREATED.timestamp()) + 140, int(CREATED.timestamp()) + 90)
    at(clock, 100)
    assert sweep(clock)["reported"] == 0
    assert fresh(job).status == "Up"
    assert fresh(job).deadline_at == CREATED.timestamp() + 140


def test_a_job_never_pinged_is_late_from_its_creation(account, clock):
    job = add_job(account, clock)
    at(clock, 90)
    sweep(clock)
    assert fresh(job).status == "Down"


def test_a_start_older_than_the_maximum_run_time_is_reported(account, clock):
    job = add_job(account, clock, periodSeconds=3600, maxRuntimeSeconds=300)
    send_ping(job, clock, "Start")
    at(clock, 300)
    sweep(clock)
    from chalicelib.storage.monitor_states import load_state

    state = json.loads(load_state(job.account_id, job.monitor_id).state_json)
    assert state["status"] == "Down"
    assert state["cause"] == f"job started at {iso(CREATED)} and did not finish within 300s"


def test_paused_jobs_are_skipped_and_resume_rearms(account, clock):
    from chalicelib.monitors import service as monitors

    job = add_job(account, clock)
    monitors.set_paused(account.account_id, job.monitor_id, True, clock.now())
    assert fresh(job).deadline_at is None
    at(clock, 600)
    assert sweep(clock)["overdue"] == 0
    assert fresh(job).status == "Paused"
    monitors.set_paused(account.account_id, job.monitor_id, False, clock.now())
    assert fresh(job).deadline_at == CREATED.timestamp() + 600 + 90


def test_a_bad_stored_schedule_is_skipped_without_stopping_the_sweep(account, clock):
    from chalicelib.storage.monitors import MonitorItem

    broken = add_job(account, clock, name="broken")
    healthy = add_job(account, clock, name="healthy")
    item = fresh(broken)
    config = {**item.config, "period_seconds": None, "cron_expression": "0 0 31 2 *"}
    # Stored before validation caught impossible dates: written around the API on purpose.
    MonitorItem(item.account_id, item.monitor_id).update(
        actions=[MonitorItem.config_json.set(json.dumps(config))], add_version_condition=False)
    at(clock, 90)
    counts = sweep(clock)
    assert counts["failed"] == 1 and counts["reported"] == 1
    assert fresh(healthy).status == "Down"


def test_it_finds_overdue_jobs_without_a_scan(account, clock):
    add_job(account, clock)
    with aws_calls() as calls:
        at(clock, 90)
        assert sweep(clock)["reported"] == 1
    assert "Scan" not in calls
    assert "Query" in calls


def test_an_older_releases_deadlines_are_read_against_the_job_states_in_one_batch(account, clock):
    """Deadlines an older release kept on the monitor: a job that has a state item since has its
    old deadline cleared (its state's own deadline reports it); one without is reported from
    the old one. Their job states are looked up together, not with a GetItem each."""
    from chalicelib.storage import monitors as monitor_store
    from chalicelib.storage.job_states import JobStateItem, shard_of
    from chalicelib.storage.monitors import MonitorTelemetryItem

    jobs = [add_job(account, clock, name=f"old {i}") for i in range(3)]
    stateless = jobs[0]
    JobStateItem(shard_of(stateless.monitor_id), stateless.monitor_id).delete()
    for job in jobs:
        MonitorTelemetryItem(job.account_id, job.monitor_id).update(
            actions=monitor_store._deadline_actions(job.monitor_id, int(CREATED.timestamp()) + 30))
    at(clock, 90)
    with aws_calls(with_params=True) as calls:
        counts = sweep(clock)
    assert counts["reported"] == 3          # the stateless one from its old deadline
    state_table = JobStateItem.Meta.table_name
    # Reporting reads each job once (its own work); finding them read none alone.
    assert len([p for op, p in calls if op == "GetItem" and p["TableName"] == state_table]) == 3
    assert [op for op, p in calls if op == "BatchGetItem" and state_table in p["RequestItems"]]
    for job in jobs[1:]:
        assert MonitorTelemetryItem.get(job.account_id, job.monitor_id).deadline_at is None
