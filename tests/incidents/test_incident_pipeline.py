"""From check results to incidents: the evaluator's events drive the incident consumer."""
import pytest

from chalicelib.checks.checkers.base import CheckResult


@pytest.fixture
def monitor(clock):
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor

    account = create_account("t", "Business", clock.now())
    body = parse_monitor({"name": "Production API", "type": "Website",
                          "url": "https://api.example.com", "failureThreshold": 2,
                          "regions": ["UsEast", "EuWest"], "regionQuorum": 2})
    return monitors.create_monitor(account, body, clock.now())


DOWN = CheckResult(ok=False, error="HTTP 503 Service Unavailable", status_code=503)
UP = CheckResult(ok=True, status_code=200, response_time_ms=80)


def feed(monitor, slot, region, result):
    """Record and evaluate one result, then run the incident consumer on what was published."""
    from chalicelib.checks import worker
    import resulttools
    from chalicelib.kernel.runtime import runtime
    from chalicelib.storage.events import EventItem
    from chalicelib.incidents.handlers import handle_event

    if resulttools.record_result(monitor, result, region, slot, runtime.clock.now(), 30):
        worker.evaluate_result(monitor, slot, region, result)
    for event in EventItem.scan():  # test-only read of the outbox
        if event.type.startswith(("monitor.", "region.")) and event.event_id not in seen:
            seen.add(event.event_id)
            handle_event(event.payload)


seen: set = set()


@pytest.fixture(autouse=True)
def fresh_seen():
    seen.clear()


def incidents_of(monitor):
    from chalicelib.storage import incidents as incident_store

    return incident_store.list_incidents(monitor.account_id, monitor_id=monitor.monitor_id)


def test_one_region_failing_opens_no_incident_with_quorum_2(monitor):
    for slot in (60, 120, 180):
        feed(monitor, slot, "UsEast", DOWN)
        feed(monitor, slot, "EuWest", UP)
    assert incidents_of(monitor) == []


def test_both_regions_failing_for_the_threshold_open_exactly_one(monitor):
    for slot in (60, 120, 180, 240):
        feed(monitor, slot, "UsEast", DOWN)
        feed(monitor, slot, "EuWest", DOWN)
    [incident] = incidents_of(monitor)
    assert incident.title == "Production API is down: HTTP 503 Service Unavailable"
    assert incident.status == "Open"


def test_recovery_resolves_it_with_a_timeline(monitor):
    from chalicelib.incidents import service as incidents

    for slot in (60, 120):
        feed(monitor, slot, "UsEast", DOWN)
        feed(monitor, slot, "EuWest", DOWN)
    feed(monitor, 180, "UsEast", UP)
    feed(monitor, 180, "EuWest", UP)
    [incident] = incidents_of(monitor)
    assert incident.status == "Resolved"
    kinds = [e["kind"] for e in incidents.incident_json(incident, incidents.timeline_of(incident))["timeline"]]
    assert kinds[0] == "started" and kinds[-1] == "resolved"


def test_a_duplicated_event_opens_one_incident(monitor):
    from chalicelib.storage.events import EventItem
    from chalicelib.incidents.handlers import handle_event

    for slot in (60, 120):
        feed(monitor, slot, "UsEast", DOWN)
        feed(monitor, slot, "EuWest", DOWN)
    down = [e for e in EventItem.scan() if e.type == "monitor.down"]
    handle_event(down[0].payload)
    handle_event(down[0].payload)
    assert len(incidents_of(monitor)) == 1


def test_the_down_event_names_the_incident_it_opens(monitor):
    from chalicelib.storage.events import EventItem

    for slot in (60, 120):
        feed(monitor, slot, "UsEast", DOWN)
        feed(monitor, slot, "EuWest", DOWN)
    [down] = [e for e in EventItem.scan() if e.type == "monitor.down"]
    [incident] = incidents_of(monitor)
    assert down.payload["incidentId"] == incident.incident_id


def test_resolving_an_incident_tells_webhooks_the_monitors_url_and_type(monitor):
    from chalicelib.incidents import service as incidents
    from chalicelib.kernel.runtime import runtime
    from chalicelib.storage.events import EventItem

    for slot in (60, 120):
        feed(monitor, slot, "UsEast", DOWN)
        feed(monitor, slot, "EuWest", DOWN)
    [incident] = incidents_of(monitor)
    incidents.resolve(monitor.account_id, incident.incident_id, "ci", runtime.clock.now())
    by_type = {e.type: e.payload for e in EventItem.scan()}
    for kind in ("incident.created", "incident.resolved"):
        assert by_type[kind]["monitor"] == {"id": monitor.monitor_id, "name": "Production API",
                                            "url": "https://api.example.com", "type": "Website"}


def test_a_failure_threshold_of_0_behaves_as_1(clock):
    from chalicelib.monitors import service as monitors
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor

    account = create_account("t", "Business", clock.now())
    body = parse_monitor({"name": "Eager", "type": "Website", "url": "https://api.example.com",
                          "failureThreshold": 0})
    eager = monitors.create_monitor(account, body, clock.now())
    assert eager.config["failure_threshold"] == 0   # kept as sent, so a client reads it back
    feed(eager, 60, "UsEast", DOWN)
    [incident] = incidents_of(eager)
    assert incident.status == "Open"
