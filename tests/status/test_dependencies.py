"""Monitor dependencies: `dependsOn` validation, and a child's Down joining its Down parent's
incident instead of opening its own, then alerting on its own once the parent recovers."""
import pytest

from apitools import make_account
from chalicelib.checks.checkers.base import CheckResult

DOWN = CheckResult(ok=False, error="connection refused")
UP = CheckResult(ok=True, status_code=200, response_time_ms=40)
SITE = {"type": "Website", "failureThreshold": 1, "regions": ["UsEast"]}


def create(api, name, **extra):
    response = api.post("/api/monitors", {**SITE, "name": name,
                                          "url": f"https://{name}.example.com", **extra})
    assert response.status_code == 201, response.json
    return response.json


# --- validation -------------------------------------------------------------------------------

def test_it_keeps_the_parents_and_shows_them(api):
    host = create(api, "host")
    child = create(api, "site", dependsOn=[host["id"]])
    assert api.get(f"/api/monitors/{child['id']}").json["dependsOn"] == [host["id"]]


def test_another_accounts_monitor_is_not_found_naming_the_field(api):
    from apitools import Api

    _, other_key = make_account()
    foreign = Api(api.client, other_key).post("/api/monitors", {
        **SITE, "name": "theirs", "url": "https://theirs.example.com"}).json
    response = api.post("/api/monitors", {**SITE, "name": "mine", "url": "https://m.example.com",
                                          "dependsOn": [foreign["id"]]})
    assert response.status_code == 400
    assert response.json["details"] == [{"field": "dependsOn",
                                         "message": f"monitor {foreign['id']} does not exist"}]


def test_a_cycle_is_refused_naming_it(api):
    a = create(api, "a")
    b = create(api, "b", dependsOn=[a["id"]])
    c = create(api, "c", dependsOn=[b["id"]])
    response = api.patch(f"/api/monitors/{a['id']}", {"dependsOn": [c["id"]]})
    assert response.status_code == 400
    [detail] = response.json["details"]
    assert detail["field"] == "dependsOn"
    assert detail["message"] == ("would make a dependency cycle: "
                                 f"{a['id']} -> {c['id']} -> {b['id']} -> {a['id']}")


def test_a_monitor_cannot_depend_on_itself(api):
    a = create(api, "a")
    response = api.patch(f"/api/monitors/{a['id']}", {"dependsOn": [a["id"]]})
    assert response.status_code == 400
    assert response.json["details"][0]["message"] == \
        f"would make a dependency cycle: {a['id']} -> {a['id']}"


def test_find_cycle_walks_stored_parents():
    from chalicelib.monitors.dependencies import find_cycle

    stored = {"b": ["c"], "c": ["d"], "d": []}
    assert find_cycle("a", ["b"], stored.get) is None
    stored["d"] = ["a"]
    assert find_cycle("a", ["b"], stored.get) == ["a", "b", "c", "d", "a"]


# --- the pipeline -----------------------------------------------------------------------------

seen: set = set()


@pytest.fixture(autouse=True)
def fresh_seen():
    seen.clear()


def feed(monitor_id, account_id, slot, result):
    """Record and evaluate one result, then run the incident consumer on what was published."""
    from chalicelib.checks import worker
    import resulttools
    from chalicelib.kernel.runtime import runtime
    from chalicelib.storage import monitors as store

    monitor = store.get_monitor(account_id, monitor_id)
    if resulttools.record_result(monitor, result, "UsEast", slot, runtime.clock.now(), 30):
        worker.evaluate_result(monitor, slot, "UsEast", result)
    consume()


def published():
    from chalicelib.storage.events import EventItem

    return sorted(EventItem.scan(), key=lambda e: e.event_id)  # test-only read of the outbox


def consume():
    from chalicelib.incidents.handlers import handle_event

    for _ in range(3):  # releasing a child publishes more
        for event in published():
            if event.event_id not in seen:
                seen.add(event.event_id)
                handle_event(event.payload)


@pytest.fixture
def family(api):
    from chalicelib.storage import monitors as store

    host = create(api, "host")
    children = [create(api, f"site{i}", dependsOn=[host["id"]]) for i in range(3)]
    account_id = store.find_by_id(host["id"]).account_id
    return account_id, host["id"], [c["id"] for c in children]


def downs(events):
    return sorted(e.payload["monitor"]["name"] for e in events if e.type == "monitor.down")


def test_children_down_with_their_parent_join_its_one_incident(api, family):
    account_id, host, children = family
    feed(host, account_id, 60, DOWN)
    for child in children:
        feed(child, account_id, 60, DOWN)
    assert downs(published()) == ["host"]            # one page: the host's Down alone
    incidents = api.get("/api/incidents").json["items"]
    assert len(incidents) == 1
    detail = api.get(f"/api/incidents/{incidents[0]['id']}").json
    assert [m["id"] for m in detail["alsoAffected"]] == sorted(children)
    assert {m["status"] for m in detail["alsoAffected"]} == {"Down"}
    assert [e["kind"] for e in detail["timeline"]].count("affected") == 3
    for child in children:       # the children still record their results and status
        assert api.get(f"/api/monitors/{child}").json["status"] == "Down"


def test_a_child_recovering_first_alerts_no_one(api, family):
    account_id, host, children = family
    feed(host, account_id, 60, DOWN)
    feed(children[0], account_id, 60, DOWN)
    feed(children[0], account_id, 120, UP)
    assert sorted(e.type for e in published() if e.payload["monitor"]["id"] == children[0]
                  and e.type.startswith("monitor.")) == ["monitor.joined", "monitor.left"]
    assert api.get(f"/api/monitors/{children[0]}").json["status"] == "Up"


def test_after_the_parent_recovers_children_still_failing_alert_normally(api, family):
    account_id, host, children = family
    feed(host, account_id, 60, DOWN)
    for child in children:
        feed(child, account_id, 60, DOWN)
    feed(host, account_id, 120, UP)
    # Their states are as old as their last check: the parent's recovery pages no one.
    assert downs(published()) == ["host"]
    feed(children[0], account_id, 180, UP)      # came back with its host: no one hears
    feed(children[1], account_id, 180, DOWN)    # still failing: alerts on its own now
    assert downs(published()) == ["host", "site1"]
    assert [e.payload["monitor"]["name"] for e in published() if e.type == "monitor.up"] == \
        ["host"]
    open_ones = api.get("/api/incidents?status=Open").json["items"]
    assert [i["monitorName"] for i in open_ones] == ["site1"]
    feed(children[1], account_id, 240, UP)      # its own incident resolves as any other
    assert sorted(e.payload["monitor"]["name"] for e in published()
                  if e.type == "monitor.up") == ["host", "site1"]
    assert api.get("/api/incidents?status=Open").json["items"] == []


def test_the_status_page_names_the_dependents_among_the_incidents_components(api, family,
                                                                              clock):
    from chalicelib.status_pages import view as status_page_view

    account_id, host, children = family
    page = api.post("/api/status-pages", {
        "name": "Acme", "slug": "acme", "components": [
            {"monitorId": host, "displayName": "Host"},
            {"monitorId": children[0], "displayName": "Shop"}]})
    assert page.status_code == 201, page.json
    slot = int(clock.now().timestamp())    # within the page's 90 days
    feed(host, account_id, slot, DOWN)
    for child in children:
        feed(child, account_id, slot, DOWN)
    status_page_view.forget("acme")
    body = api.get("/api/public/status-pages/acme", key=None).json
    [incident] = body["activeIncidents"]
    assert (incident["title"], incident["components"]) == ("Host is down", ["Host", "Shop"])
