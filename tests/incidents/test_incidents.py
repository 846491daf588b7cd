from datetime import timedelta

import pytest
from apitools import make_account

from chalicelib.bus import events
from chalicelib.incidents import service as incidents
from chalicelib.kernel.errors import NotFoundError
from chalicelib.storage import incidents as incident_store
from chalicelib.storage.events import EventItem

WEBSITE = {"name": "Shop", "type": "Website", "url": "https://shop.example.com"}


@pytest.fixture
def account_id(api):
    return api.get("/api/account").json["id"]


@pytest.fixture
def monitor(api):
    return api.post("/api/monitors", WEBSITE).json


def open_auto(account_id, monitor, clock, incident_id="inc_auto0000000001", cause="HTTP 503"):
    return incidents.open_for_monitor(account_id, monitor["id"], monitor["name"], incident_id,
                                      cause, clock.now())


def event(incident_id, what):
    try:
        return EventItem.get(events.event_id_for(incident_id, what))
    except EventItem.DoesNotExist:
        return None


def manual(api, title="Checkout is slow", **body):
    response = api.post("/api/incidents", {"title": title, **body})
    assert response.status_code == 201, response.json
    return response.json


# --- the evaluator's functions ----------------------------------------------------------------

def test_it_opens_an_automatic_incident_with_its_started_entry_and_event(api, clock, account_id,
                                                                          monitor):
    item = open_auto(account_id, monitor, clock)
    assert item.title == "Shop is down: HTTP 503" and item.status == "Open" and item.automatic
    body = api.get(f"/api/incidents/{item.incident_id}").json
    assert body["monitorId"] == monitor["id"] and body["monitorName"] == "Shop"
    assert body["cause"] == "HTTP 503" and body["startedAt"] == "2026-03-24T10:00:00Z"
    assert [e["kind"] for e in body["timeline"]] == ["started"]
    created = event(item.incident_id, "created")
    assert created.type == "incident.created" and created.account_id == account_id
    assert created.payload["incident"]["id"] == item.incident_id
    # Like a monitor.* event's: the webhook of an incident.* event is as complete.
    assert created.payload["monitor"] == {"id": monitor["id"], "name": "Shop",
                                          "url": "https://shop.example.com", "type": "Website"}


def test_opening_twice_with_the_same_id_makes_one_incident_and_one_started_entry(
        api, clock, account_id, monitor):
    first = open_auto(account_id, monitor, clock)
    clock.advance(30)
    again = open_auto(account_id, monitor, clock, cause="timeout")
    assert again.incident_id == first.incident_id and again.title == "Shop is down: HTTP 503"
    assert api.get("/api/incidents").json["totalCount"] == 1
    assert len(incident_store.timeline(first.incident_id)) == 1


def test_it_resolves_the_monitors_open_automatic_incident_once(api, clock, account_id, monitor):
    item = open_auto(account_id, monitor, clock)
    clock.advance(300)
    resolved = incidents.resolve_for_monitor(account_id, monitor["id"], clock.now(),
                                             "Shop is up again")
    assert resolved.incident_id == item.incident_id and resolved.status == "Resolved"
    assert incidents.resolve_for_monitor(account_id, monitor["id"], clock.now(), "again") is None
    body = api.get(f"/api/incidents/{item.incident_id}").json
    assert body["status"] == "Resolved" and body["resolvedAt"] == "2026-03-24T10:05:00Z"
    assert body["durationSeconds"] == 300
    assert [(e["kind"], e["message"]) for e in body["timeline"]] == [
        ("started", "Shop is down: HTTP 503"), ("resolved", "Shop is up again")]
    assert event(item.incident_id, "resolved").payload["incident"]["status"] == "Resolved"
    assert api.get("/api/incidents/active").json == []


def test_resolve_for_monitor_leaves_manual_incidents_and_other_monitors_alone(
        api, clock, account_id, monitor):
    other = api.post("/api/monitors", {**WEBSITE, "name": "Other"}).json
    open_auto(account_id, other, clock)
    manual(api, monitorId=monitor["id"])
    assert incidents.resolve_for_monitor(account_id, monitor["id"], clock.now(), "up") is None
    assert len(api.get("/api/incidents/active").json) == 2


def test_add_timeline_is_idempotent_by_entry_id_and_walled_by_account(clock, account_id,
                                                                       monitor):
    item = open_auto(account_id, monitor, clock)
    for _ in range(2):
        entry = incidents.add_timeline(account_id, item.incident_id, "region", "EuWest down",
                                       clock.now(), entry_id="upd_region_euwest")
    assert entry["id"] == "upd_region_euwest" and entry["kind"] == "region"
    assert len(incident_store.timeline(item.incident_id)) == 2
    other_account, _ = make_account()
    with pytest.raises(NotFoundError):
        incidents.add_timeline(other_account, item.incident_id, "update", "x", clock.now())
    assert len(incident_store.timeline(item.incident_id)) == 2


# --- lists --------------------------------------------------------------------------------------

def test_it_lists_newest_first_with_paging(api, clock):
    for title in ("first", "second", "third"):
        manual(api, title)
        clock.advance(60)
    body = api.get("/api/incidents").json
    assert body["totalCount"] == 3
    assert [i["title"] for i in body["items"]] == ["third", "second", "first"]
    paged = api.get("/api/incidents?limit=1&offset=1").json
    assert paged == {"items": [body["items"][1]], "totalCount": 3}


def test_it_filters_by_monitor_status_and_time(api, clock, account_id, monitor):
    open_auto(account_id, monitor, clock)
    clock.advance(3600)
    acked = manual(api, "acked")
    api.post(f"/api/incidents/{acked['id']}/acknowledge")
    clock.advance(3600)
    done = manual(api, "done")
    api.post(f"/api/incidents/{done['id']}/resolve")
    titles = lambda q: [i["title"] for i in api.get("/api/incidents" + q).json["items"]]
    assert titles(f"?monitorId={monitor['id']}") == ["Shop is down: HTTP 503"]
    assert titles("?monitorId=mon_unknown") == []
    assert titles("?status=open") == ["Shop is down: HTTP 503"]
    assert titles("?status=ACKNOWLEDGED") == ["acked"]
    assert titles("?status=Resolved") == ["done"]
    assert titles("?from=2026-03-24T10:30:00Z") == ["done", "acked"]
    assert titles("?from=2026-03-24T10:30:00Z&to=2026-03-24T11:30:00Z") == ["acked"]
    assert titles("?to=2026-03-24T10:00:00Z") == ["Shop is down: HTTP 503"]


@pytest.mark.parametrize("query, field", [
    ("status=Closed", "status"), ("from=yesterday", "from"), ("to=2026-13-01", "to"),
    ("from=2026-03-25T00:00:00Z&to=2026-03-24T00:00:00Z", "from"), ("limit=0", "limit"),
])
def test_it_refuses_bad_list_parameters_naming_the_field(api, query, field):
    response = api.get("/api/incidents?" + query)
    assert response.status_code == 400
    assert response.json["code"] == "VALIDATION_ERROR"
    assert response.json["details"][0]["field"] == field


def test_recent_is_a_bare_array_newest_first_that_the_spec_example_can_print(api, clock):
    for n in range(12):
        manual(api, f"incident {n}")
        clock.advance(60)
    recent = api.get("/api/incidents/recent").json
    assert isinstance(recent, list) and len(recent) == 10
    assert recent[0]["title"] == "incident 11" and recent[-1]["title"] == "incident 2"
    printed = [f" [{inc['status']}] {inc['title']}" for inc in recent]  # the spec's Python loop
    assert printed[0] == " [Open] incident 11"
    assert len(api.get("/api/incidents/recent?limit=3").json) == 3


def test_active_lists_only_incidents_not_resolved(api, clock):
    still_open, acked, done = (manual(api, t) for t in ("open", "acked", "done"))
    api.post(f"/api/incidents/{acked['id']}/acknowledge")
    api.post(f"/api/incidents/{done['id']}/resolve")
    active = api.get("/api/incidents/active").json
    assert sorted((i["title"], i["status"]) for i in active) == [("acked", "Acknowledged"),
                                                                 ("open", "Open")]
    assert {"id", "status", "title"} <= set(active[0])


@pytest.mark.parametrize("path, kind", [
    ("/api/incidents/recent", list), ("/api/incidents/active", list),
    ("/api/incidents/stats", dict), ("/api/incidents/by-monitor", dict),
])
def test_literal_paths_are_not_taken_for_an_incident_id(api, path, kind):
    response = api.get(path)
    assert response.status_code == 200
    assert isinstance(response.json, kind)


# --- figures ------------------------------------------------------------------------------------

def test_stats_are_computed_over_the_range(api, clock, account_id, monitor):
    open_auto(account_id, monitor, clock)                       # 10:00, resolved 10:10
    clock.advance(120)
    acked = manual(api, "acked")                                # 10:02, acked 10:05, open
    clock.advance(180)
    api.post(f"/api/incidents/{acked['id']}/acknowledge")
    clock.advance(300)
    incidents.resolve_for_monitor(account_id, monitor["id"], clock.now(), "up")
    clock.advance(600)                                          # now 10:20
    query = "?from=2026-03-24T10:00:00Z&to=2026-03-24T11:00:00Z"
    body = api.get("/api/incidents/stats" + query).json
    assert body == {"from": "2026-03-24T10:00:00Z", "to": "2026-03-24T11:00:00Z",
                    "count": 2, "open": 0, "acknowledged": 1, "resolved": 1,
                    "mttaSeconds": 180, "mttrSeconds": 600,
                    "downtimeSeconds": 600 + 1080}
    default = api.get("/api/incidents/stats").json
    assert default["to"] == "2026-03-24T10:20:00Z"
    assert default["from"] == "2026-02-22T10:20:00Z" and default["count"] == 2
    clipped = api.get("/api/incidents/stats?from=2026-03-24T10:05:00Z&to=2026-03-24T10:15:00Z")
    assert clipped.json["downtimeSeconds"] == 300 + 600


def test_by_monitor_counts_and_downtime(api, clock, account_id, monitor):
    open_auto(account_id, monitor, clock, "inc_a1")
    clock.advance(60)
    incidents.resolve_for_monitor(account_id, monitor["id"], clock.now(), "up")
    open_auto(account_id, monitor, clock, "inc_a2")
    clock.advance(120)
    manual(api, "no monitor")
    body = api.get("/api/incidents/by-monitor").json
    assert body["items"] == [{"monitorId": monitor["id"], "monitorName": "Shop", "count": 2,
                              "downtimeSeconds": 180}]
    assert incidents.downtime_for_monitor(account_id, monitor["id"], clock.now() - timedelta(
        hours=1), clock.now(), clock.now()) == (180, 2)


def test_by_monitor_pages_with_limit_and_offset(api, clock, account_id, monitor):
    other = api.post("/api/monitors", {**WEBSITE, "name": "Blog"}).json
    open_auto(account_id, monitor, clock, "inc_a1")
    open_auto(account_id, other, clock, "inc_b1")
    both = api.get("/api/incidents/by-monitor").json["items"]
    second = api.get("/api/incidents/by-monitor?limit=1&offset=1").json
    assert (second["items"], second["totalCount"]) == (both[1:], 2)
    assert api.get("/api/incidents/by-monitor?offset=-1").json["details"][0]["field"] == "offset"


def test_monitor_stats_report_incident_downtime(api, clock, account_id, monitor):
    open_auto(account_id, monitor, clock)
    clock.advance(90)
    body = api.get(f"/api/monitors/{monitor['id']}/stats?period=24h").json
    assert body["downtimeSeconds"] == 90 and body["incidentCount"] == 1


# --- one incident -------------------------------------------------------------------------------

def test_it_creates_a_manual_incident_with_its_first_update(api, clock, account_id, monitor):
    response = api.post("/api/incidents", {"title": "Payments degraded", "monitorId": monitor["id"],
                                           "message": "Looking into it", "status": "investigating"})
    assert response.status_code == 201
    body = response.json
    assert body["id"].startswith("inc_") and body["status"] == "Open"
    assert body["automatic"] is False and body["monitorName"] == "Shop"
    assert body["timeline"] == [{"id": body["timeline"][0]["id"], "kind": "started",
                                 "message": "Looking into it", "status": "Investigating",
                                 "author": "test", "at": "2026-03-24T10:00:00Z", "public": True}]
    assert body["publicStatus"] == "Investigating"
    assert event(body["id"], "created").payload["monitor"]["id"] == monitor["id"]


def test_a_manual_incident_needs_no_monitor(api):
    body = manual(api, "DNS provider outage")
    assert body["monitorId"] is None and body["timeline"][0]["kind"] == "started"
    assert event(body["id"], "created").payload["monitor"] is None


@pytest.mark.parametrize("body, field, code", [
    ({}, "title", "VALIDATION_ERROR"),
    ({"title": ""}, "title", "VALIDATION_ERROR"),
    ({"title": "x" * 201}, "title", "VALIDATION_ERROR"),
    ({"title": "t", "status": "Panicking"}, "status", "VALIDATION_ERROR"),
    ({"title": "t", "status": "Resolved"}, "status", "VALIDATION_ERROR"),  # never opens resolved
    ({"title": "t", "colour": "red"}, "colour", "VALIDATION_ERROR"),
    ({"title": "t", "monitorId": "mon_doesnotexist00"}, "monitorId", "INVALID_REFERENCE"),
    ({"title": "t", "monitorId": ""}, "monitorId", "VALIDATION_ERROR"),  # was a 500 (fuzzer)
    ({"title": "t", "monitorId": "inc_1"}, "monitorId", "VALIDATION_ERROR"),
])
def test_it_refuses_a_bad_manual_incident(api, body, field, code):
    response = api.post("/api/incidents", body)
    assert response.status_code == 400
    assert response.json["code"] == code and response.json["details"][0]["field"] == field
    assert api.get("/api/incidents").json["totalCount"] == 0


def test_it_refuses_another_accounts_monitor_as_a_reference(api):
    _, other_key = make_account()
    theirs = api.post("/api/monitors", WEBSITE, key=other_key).json
    response = api.post("/api/incidents", {"title": "t", "monitorId": theirs["id"]})
    assert response.status_code == 400 and response.json["code"] == "INVALID_REFERENCE"


def test_it_shows_the_timeline_oldest_first(api, clock):
    created = manual(api)
    clock.advance(60)
    api.post(f"/api/incidents/{created['id']}/updates", {"message": "Found it",
                                                        "status": "identified"})
    clock.advance(60)
    api.post(f"/api/incidents/{created['id']}/acknowledge")
    clock.advance(60)
    api.post(f"/api/incidents/{created['id']}/resolve", {"message": "Fixed"})
    timeline = api.get(f"/api/incidents/{created['id']}").json["timeline"]
    assert [(e["kind"], e["status"], e["at"]) for e in timeline] == [
        ("started", None, "2026-03-24T10:00:00Z"),
        ("update", "Identified", "2026-03-24T10:01:00Z"),
        ("acknowledged", None, "2026-03-24T10:02:00Z"),
        ("resolved", "Resolved", "2026-03-24T10:03:00Z")]
    assert timeline[-1]["message"] == "Fixed"


def test_it_acknowledges_with_the_key_name_and_time_once(api, clock):
    created = manual(api)
    clock.advance(45)
    response = api.post(f"/api/incidents/{created['id']}/acknowledge")
    assert response.status_code == 200
    assert response.json["status"] == "Acknowledged"
    assert response.json["acknowledgedBy"] == "test"
    assert response.json["acknowledgedAt"] == "2026-03-24T10:00:45Z"
    again = api.post(f"/api/incidents/{created['id']}/acknowledge")
    assert again.status_code == 409 and again.json["code"] == "CONFLICT"
    assert "already acknowledged" in again.json["message"]


def test_it_resolves_with_an_empty_body_and_refuses_to_resolve_twice(api, clock):
    created = manual(api)
    clock.advance(600)
    response = api.request("POST", f"/api/incidents/{created['id']}/resolve")
    assert response.status_code == 200
    assert response.json["status"] == "Resolved" and response.json["resolvedBy"] == "test"
    assert response.json["durationSeconds"] == 600
    assert event(created["id"], "resolved").payload["incident"]["resolvedBy"] == "test"
    again = api.post(f"/api/incidents/{created['id']}/resolve", {"message": "again"})
    assert again.status_code == 409 and "already resolved" in again.json["message"]
    ack = api.post(f"/api/incidents/{created['id']}/acknowledge")
    assert ack.status_code == 409 and "already resolved" in ack.json["message"]
    assert len(api.get(f"/api/incidents/{created['id']}").json["timeline"]) == 2


def test_an_acknowledged_incident_can_be_resolved(api):
    created = manual(api)
    api.post(f"/api/incidents/{created['id']}/acknowledge")
    assert api.post(f"/api/incidents/{created['id']}/resolve").json["status"] == "Resolved"


def test_it_adds_an_update(api):
    created = manual(api)
    response = api.post(f"/api/incidents/{created['id']}/updates",
                        {"message": "Rolling back", "status": "MONITORING"})
    assert response.status_code == 201
    assert response.json["id"].startswith("upd_") and response.json["status"] == "Monitoring"
    assert response.json["author"] == "test" and response.json["kind"] == "update"


@pytest.mark.parametrize("body", [{}, {"message": ""}, {"message": "x" * 5001},
                                  {"message": "m", "status": "Done"},
                                  {"message": "m", "public": "sometimes"}])
def test_it_refuses_a_bad_update(api, body):
    created = manual(api)
    response = api.post(f"/api/incidents/{created['id']}/updates", body)
    assert response.status_code == 400
    assert len(api.get(f"/api/incidents/{created['id']}").json["timeline"]) == 1


# --- one vocabulary: an update's status moves the incident ----------------------------------------

def test_an_update_with_a_status_moves_the_incident_to_it(api, clock):
    created = manual(api)
    assert created["publicStatus"] == "Investigating"
    clock.advance(60)
    assert api.post(f"/api/incidents/{created['id']}/updates",
                    {"message": "Found it", "status": "identified"}).status_code == 201
    clock.advance(60)
    api.post(f"/api/incidents/{created['id']}/updates", {"message": "still watching"})
    body = api.get(f"/api/incidents/{created['id']}").json
    assert (body["status"], body["publicStatus"]) == ("Open", "Identified")
    assert [i["id"] for i in api.get("/api/incidents?status=Identified").json["items"]] == \
        [created["id"]]
    assert api.get("/api/incidents?status=monitoring").json["items"] == []
    assert [i["publicStatus"] for i in api.get("/api/incidents/active").json] == ["Identified"]


def test_a_resolved_update_resolves_it_once_like_resolve(api, clock):
    created = manual(api)
    clock.advance(120)
    response = api.post(f"/api/incidents/{created['id']}/updates",
                        {"message": "Fixed for good", "status": "Resolved"})
    assert response.status_code == 201
    assert (response.json["kind"], response.json["status"], response.json["public"]) == \
        ("resolved", "Resolved", True)
    body = api.get(f"/api/incidents/{created['id']}").json
    assert (body["status"], body["publicStatus"], body["resolvedBy"]) == \
        ("Resolved", "Resolved", "test")
    assert body["durationSeconds"] == 120
    assert api.get("/api/incidents/active").json == []
    assert [e["kind"] for e in body["timeline"]] == ["started", "resolved"]
    resolved = event(created["id"], "resolved")
    assert resolved.type == "incident.resolved"
    assert EventItem.count() == 2            # created + resolved: no incident.updated besides
    again = api.post(f"/api/incidents/{created['id']}/updates",
                     {"message": "x", "status": "Resolved"})
    assert again.status_code == 409 and "already resolved" in again.json["message"]
    assert api.post(f"/api/incidents/{created['id']}/resolve").status_code == 409


def test_an_automatic_incident_resolved_by_an_update_is_not_resolved_again(
        api, clock, account_id, monitor):
    item = open_auto(account_id, monitor, clock)
    api.post(f"/api/incidents/{item.incident_id}/updates",
             {"message": "Failed over", "status": "Resolved"})
    assert incidents.resolve_for_monitor(account_id, monitor["id"], clock.now(), "up") is None
    assert len(api.get(f"/api/incidents/{item.incident_id}").json["timeline"]) == 2


def test_a_resolved_incident_refuses_a_status_but_takes_a_note(api):
    created = manual(api)
    api.post(f"/api/incidents/{created['id']}/resolve")
    moved = api.post(f"/api/incidents/{created['id']}/updates",
                     {"message": "back?", "status": "Monitoring"})
    assert moved.status_code == 409 and "already resolved" in moved.json["message"]
    note = api.post(f"/api/incidents/{created['id']}/updates", {"message": "Postmortem soon"})
    assert note.status_code == 201
    assert api.get(f"/api/incidents/{created['id']}").json["publicStatus"] == "Resolved"


def test_updates_are_public_unless_marked_and_automatic_notes_never_are(
        api, clock, account_id, monitor):
    item = open_auto(account_id, monitor, clock)
    path = f"/api/incidents/{item.incident_id}"
    clock.advance(1)
    assert api.post(f"{path}/updates", {"message": "Customers see errors"}).json["public"] is True
    clock.advance(1)
    assert api.post(f"{path}/updates", {"message": "db-3 at 10.0.0.5 is out of disk",
                                        "public": False}).json["public"] is False
    clock.advance(1)
    api.post(f"{path}/acknowledge")
    clock.advance(1)
    incidents.resolve_for_monitor(account_id, monitor["id"], clock.now(), "check passing")
    assert [(e["kind"], e["public"]) for e in api.get(path).json["timeline"]] == [
        ("started", False), ("update", True), ("update", False), ("acknowledged", False),
        ("resolved", False)]


# --- walls ----------------------------------------------------------------------------------------

ID_ROUTES = [
    ("GET", "/api/incidents/{id}", None),
    ("POST", "/api/incidents/{id}/acknowledge", None),
    ("POST", "/api/incidents/{id}/resolve", None),
    ("POST", "/api/incidents/{id}/updates", {"message": "mine now"}),
]


@pytest.mark.parametrize("method, path, body", ID_ROUTES)
def test_another_accounts_incident_is_exactly_like_a_missing_one(api, method, path, body):
    _, other_key = make_account()
    theirs = api.post("/api/incidents", {"title": "Theirs"}, key=other_key).json
    foreign = api.request(method, path.format(id=theirs["id"]), body)
    missing = api.request(method, path.format(id="inc_doesnotexist00"), body)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["code"] == missing.json["code"] == "NOT_FOUND"
    untouched = api.get(f"/api/incidents/{theirs['id']}", key=other_key).json
    assert untouched["status"] == "Open" and len(untouched["timeline"]) == 1
    assert api.get("/api/incidents").json["totalCount"] == 0


def test_lists_and_figures_show_only_the_callers_incidents(api, clock):
    other_account, other_key = make_account()
    api.post("/api/incidents", {"title": "Theirs"}, key=other_key)
    clock.advance(60)
    assert api.get("/api/incidents").json == {"items": [], "totalCount": 0}
    assert api.get("/api/incidents/recent").json == []
    assert api.get("/api/incidents/active").json == []
    assert api.get("/api/incidents/stats").json["count"] == 0


@pytest.mark.parametrize("method, path", [("POST", "/api/incidents"),
                                          ("POST", "/api/incidents/inc_x/acknowledge"),
                                          ("POST", "/api/incidents/inc_x/resolve"),
                                          ("POST", "/api/incidents/inc_x/updates")])
def test_writes_need_the_incidents_write_scope(api, method, path):
    _, key = make_account(scopes=["incidents:read"])
    response = api.request(method, path, {"title": "t", "message": "m"}, key=key)
    assert response.status_code == 403 and response.json["code"] == "INSUFFICIENT_SCOPE"


def test_reads_need_the_incidents_read_scope(api):
    _, key = make_account(scopes=["monitors:read"])
    assert api.get("/api/incidents/recent", key=key).status_code == 403


# --- cascade --------------------------------------------------------------------------------------

def test_deleting_a_monitor_deletes_its_incidents_and_their_timelines(api, clock, account_id,
                                                                      monitor):
    auto = open_auto(account_id, monitor, clock)
    linked = manual(api, "linked", monitorId=monitor["id"])
    kept = manual(api, "not linked")
    assert api.delete(f"/api/monitors/{monitor['id']}").status_code == 204
    assert api.get(f"/api/incidents/{auto.incident_id}").status_code == 404
    assert api.get(f"/api/incidents/{linked['id']}").status_code == 404
    assert incident_store.timeline(auto.incident_id) == []
    assert incident_store.timeline(linked["id"]) == []
    assert [i["id"] for i in api.get("/api/incidents").json["items"]] == [kept["id"]]


def test_recent_and_active_take_limit_and_offset(api, clock):
    titles = []
    for title in ("first", "second", "third"):
        titles.insert(0, manual(api, title)["title"])
        clock.advance(60)
    for path in ("/api/incidents/recent", "/api/incidents/active"):
        assert [i["title"] for i in api.get(path).json] == titles
        assert [i["title"] for i in api.get(path + "?limit=1&offset=1").json] == titles[1:2]
        assert api.get(path + "?offset=x").json["details"][0]["field"] == "offset"
