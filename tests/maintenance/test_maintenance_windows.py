"""/api/maintenance-windows, and what a window does: no incident and no alert while checks go
on, uptime without its hours, and what status pages read."""
from datetime import datetime, timedelta, timezone

import pytest
from apitools import make_account

from chalicelib.checks.checkers.base import CheckResult
from chalicelib.storage import result_batches as batches

ONE_OFF = {"name": "DB upgrade", "startsAt": "2026-03-24T09:00:00Z",
           "endsAt": "2026-03-24T11:00:00Z", "allMonitors": True}
WEEKLY = {"name": "Sunday patching", "weekdays": ["sun"], "startTime": "2:30",
          "durationMinutes": 60, "timezone": "Europe/Berlin", "allMonitors": True}
CRON = {"name": "Nightly backup", "cronExpression": "30 2 * * *", "durationMinutes": 30,
        "timezone": "UTC", "tags": ["db"]}
WEBSITE = {"name": "Production API", "type": "Website", "url": "https://api.example.com",
           "regions": ["UsEast", "EuWest"], "regionQuorum": 2, "failureThreshold": 2}


def test_it_creates_a_one_off_window(api):
    response = api.post("/api/maintenance-windows", {**ONE_OFF, "description": "v16"})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["id"].startswith("mw_")
    assert (body["type"], body["startsAt"], body["endsAt"]) == \
        ("OneOff", "2026-03-24T09:00:00Z", "2026-03-24T11:00:00Z")
    assert (body["description"], body["allMonitors"], body["notifySubscribers"]) == \
        ("v16", True, False)
    assert body["active"] is True  # the clock stands at 10:00Z
    assert api.get(f"/api/maintenance-windows/{body['id']}").json == body


def test_it_creates_weekly_and_cron_windows_in_canonical_form(api):
    weekly = api.post("/api/maintenance-windows", WEEKLY).json
    assert (weekly["type"], weekly["weekdays"], weekly["startTime"]) == ("Weekly", ["Sun"], "02:30")
    assert weekly["nextOccurrence"] == {"startsAt": "2026-03-29T01:00:00Z",   # spring-forward
                                        "endsAt": "2026-03-29T02:00:00Z"}
    cron = api.post("/api/maintenance-windows", CRON).json
    assert (cron["type"], cron["cronExpression"], cron["tags"]) == ("Cron", "30 2 * * *", ["db"])
    assert api.get("/api/maintenance-windows").json["totalCount"] == 2


@pytest.mark.parametrize("body, field", [
    ({"name": "x", "allMonitors": True}, "startsAt"),                       # no schedule
    ({**ONE_OFF, "cronExpression": "0 1 * * *"}, "startsAt"),               # two schedules
    ({**ONE_OFF, "endsAt": "2026-03-24T09:00:00Z"}, "endsAt"),              # end not after start
    ({**ONE_OFF, "endsAt": None}, "endsAt"),
    ({**ONE_OFF, "durationMinutes": 30}, "durationMinutes"),
    ({**ONE_OFF, "startsAt": "tomorrow"}, "startsAt"),
    ({**WEEKLY, "durationMinutes": None}, "durationMinutes"),
    ({**WEEKLY, "startTime": None}, "startTime"),
    ({**WEEKLY, "weekdays": ["Funday"]}, "weekdays.0"),
    ({**WEEKLY, "startTime": "25:00"}, "startTime"),
    ({**WEEKLY, "timezone": "Mars/Olympus"}, "timezone"),
    ({**WEEKLY, "durationMinutes": 0}, "durationMinutes"),
    ({**CRON, "cronExpression": "61 * * * *"}, "cronExpression"),
    ({**CRON, "durationMinutes": None}, "durationMinutes"),
    ({**ONE_OFF, "allMonitors": False}, "monitorIds"),                      # no scope
    ({**ONE_OFF, "tags": ["db"]}, "tags"),                                  # two scopes
    ({**ONE_OFF, "name": ""}, "name"),
    ({**ONE_OFF, "colour": "red"}, "colour"),
])
def test_it_refuses_a_bad_body_naming_the_field(api, body, field):
    response = api.post("/api/maintenance-windows", body)
    assert response.status_code == 400, response.json
    assert response.json["code"] == "VALIDATION_ERROR"
    assert field in [d["field"] for d in response.json["details"]]
    assert api.get("/api/maintenance-windows").json["totalCount"] == 0


def test_it_refuses_another_accounts_monitor_as_an_invalid_reference(api):
    _, other_key = make_account()
    theirs = api.post("/api/monitors", WEBSITE, key=other_key).json["id"]
    response = api.post("/api/maintenance-windows",
                        {**ONE_OFF, "allMonitors": False, "monitorIds": [theirs]})
    assert response.status_code == 400
    assert response.json["code"] == "INVALID_REFERENCE"
    assert response.json["details"] == [{"field": "monitorIds",
                                         "message": f"monitor {theirs} does not exist"}]


def test_put_replaces_the_whole_window(api):
    created = api.post("/api/maintenance-windows", {**ONE_OFF, "notifySubscribers": True}).json
    replaced = api.put(f"/api/maintenance-windows/{created['id']}", CRON)
    assert replaced.status_code == 200, replaced.json
    body = replaced.json
    assert (body["name"], body["type"], body["startsAt"], body["allMonitors"]) == \
        ("Nightly backup", "Cron", None, False)
    assert body["notifySubscribers"] is False
    assert body["createdAt"] == created["createdAt"]


@pytest.mark.parametrize("plan, limit, message", [
    ("Base", 2, "Your Base plan allows 2 maintenance windows. Upgrade to Pro for up to 10."),
    ("Pro", 10, "Your Pro plan allows 10 maintenance windows. "
                "Upgrade to Business for unlimited maintenance windows."),
])
def test_it_enforces_the_plan_limit_and_delete_frees_a_slot(api, plan, limit, message):
    _, key = make_account(plan=plan)
    ids = [api.post("/api/maintenance-windows", ONE_OFF, key=key).json["id"]
           for _ in range(limit)]
    over = api.post("/api/maintenance-windows", ONE_OFF, key=key)
    assert over.status_code == 403
    assert over.json == {"error": "Maintenance window limit exceeded",
                         "code": "PLAN_LIMIT_EXCEEDED", "message": message}
    assert api.get("/api/account", key=key).json["usage"]["maintenanceWindows"] == limit
    assert api.delete(f"/api/maintenance-windows/{ids[0]}", key=key).status_code == 204
    assert api.post("/api/maintenance-windows", ONE_OFF, key=key).status_code == 201


def test_business_has_no_limit(api):
    for _ in range(11):
        assert api.post("/api/maintenance-windows", ONE_OFF).status_code == 201
    assert api.get("/api/maintenance-windows").json["totalCount"] == 11


def test_another_account_cannot_see_or_touch_a_window(api):
    window = api.post("/api/maintenance-windows", ONE_OFF).json["id"]
    _, other = make_account()
    path = f"/api/maintenance-windows/{window}"
    assert api.get(path, key=other).status_code == 404
    assert api.put(path, CRON, key=other).status_code == 404
    assert api.delete(path, key=other).status_code == 404
    assert api.get("/api/maintenance-windows", key=other).json["totalCount"] == 0
    assert api.get(path).status_code == 200


def test_it_needs_the_maintenance_scopes(api):
    _, reader = make_account(scopes=("maintenance:read",))
    assert api.get("/api/maintenance-windows", key=reader).status_code == 200
    denied = api.post("/api/maintenance-windows", ONE_OFF, key=reader)
    assert (denied.status_code, denied.json["code"]) == (403, "INSUFFICIENT_SCOPE")
    _, monitors_only = make_account(scopes=("monitors:read",))
    assert api.get("/api/maintenance-windows", key=monitors_only).status_code == 403


# --- suppression, end to end -----------------------------------------------------------------

DOWN = CheckResult(ok=False, error="HTTP 503 Service Unavailable", status_code=503)


def feed_failures(monitor_id, clock, slots=(60, 120, 180)):
    """Record failing results in both regions and evaluate each through the evaluator (with the
    policy it builds, which asks the maintenance hook), then run the incident consumer and
    alert delivery on everything the outbox holds."""
    from chalicelib.notify import delivery
    from chalicelib.checks import worker
    from chalicelib.status import evaluator
    import resulttools
    from chalicelib.storage import monitors as monitor_store
    from chalicelib.storage.events import EventItem
    from chalicelib.incidents.handlers import handle_event

    monitor = monitor_store.find_by_id(monitor_id)
    base = int(clock.now().timestamp()) // 60 * 60
    for slot in slots:
        for region in ("UsEast", "EuWest"):
            resulttools.record_result(monitor, DOWN, region, base + slot, clock.now(), 30)
            evaluator.evaluate_observation(
                monitor, worker.observation_of(base + slot, region, DOWN),
                evaluator.policy_for(monitor, clock.now()))
    stored = [e for e in EventItem.scan() if e.payload.get("monitor", {}).get("id") == monitor_id]
    for event in stored:  # test-only read of the outbox
        handle_event(event.payload)
        delivery.deliver_event(event.payload)
    return [e.type for e in stored]


def test_a_monitor_in_maintenance_goes_down_without_incident_or_alert(api, clock):
    monitor = api.post("/api/monitors", WEBSITE).json["id"]
    channel = api.post("/api/alert-channels", {"name": "Mail", "type": "Email",
                                               "addresses": ["ops@example.com"]}).json["id"]
    api.post("/api/alert-rules", {"name": "All", "allMonitors": True, "channelIds": [channel]})
    api.post("/api/maintenance-windows", {**ONE_OFF, "allMonitors": False,
                                          "monitorIds": [monitor]})
    # Per-region changes are still recorded (they only annotate open incidents); no
    # monitor.down event is stored, so nothing opens an incident or reaches a channel.
    assert set(feed_failures(monitor, clock)) == {"region.down"}
    assert api.get(f"/api/incidents?monitorId={monitor}").json["totalCount"] == 0
    assert api.get("/api/alerts").json["totalCount"] == 0
    assert api.get(f"/api/monitors/{monitor}").json["status"] == "Down"  # the state is kept
    assert len(api.get(f"/api/monitors/{monitor}/results").json["items"]) == 6


def test_the_same_failures_outside_maintenance_open_an_incident(api, clock):
    monitor = api.post("/api/monitors", WEBSITE).json["id"]
    api.post("/api/maintenance-windows", {**ONE_OFF, "startsAt": "2026-03-25T09:00:00Z",
                                          "endsAt": "2026-03-25T11:00:00Z"})
    assert "monitor.down" in feed_failures(monitor, clock)
    assert api.get(f"/api/incidents?monitorId={monitor}").json["totalCount"] == 1


def test_a_window_for_other_tags_does_not_cover_the_monitor(api, clock):
    monitor = api.post("/api/monitors", {**WEBSITE, "tags": ["web"]}).json["id"]
    api.post("/api/maintenance-windows", {**ONE_OFF, "allMonitors": False, "tags": ["db"]})
    assert "monitor.down" in feed_failures(monitor, clock)


# --- uptime ----------------------------------------------------------------------------------

def add_hour(monitor_id, hour: datetime, checks: int, failures: int):
    """The hour's rollup as the rollup job writes it (and its cursor past it)."""
    from result_seeds import put_rollup, roll_through

    put_rollup(monitor_id, int(hour.timestamp()), [100] * checks, failures)
    roll_through(max(int(hour.timestamp()), batches.rolled_through() or 0))


def test_stats_leave_out_whole_hours_of_maintenance(api):
    monitor = api.post("/api/monitors", WEBSITE).json["id"]
    hour = datetime(2026, 3, 24, 7, tzinfo=timezone.utc)
    add_hour(monitor, hour, 60, 60)                        # all failed, inside maintenance
    add_hour(monitor, hour + timedelta(hours=1), 60, 6)    # 10 % failed, half covered: counts
    add_hour(monitor, hour + timedelta(hours=2), 60, 0)
    api.post("/api/maintenance-windows", {**ONE_OFF, "startsAt": "2026-03-24T06:30:00Z",
                                          "endsAt": "2026-03-24T08:30:00Z"})
    stats = api.get(f"/api/monitors/{monitor}/stats").json
    assert stats["uptimePercentage"] == 95.0               # 114 of 120 outside the whole hour
    assert stats["maintenanceSeconds"] == 2 * 3600
    assert (stats["totalChecks"], stats["failedChecks"]) == (180, 66)


def test_stats_without_maintenance_count_every_hour(api):
    monitor = api.post("/api/monitors", WEBSITE).json["id"]
    add_hour(monitor, datetime(2026, 3, 24, 7, tzinfo=timezone.utc), 10, 5)
    stats = api.get(f"/api/monitors/{monitor}/stats").json
    assert (stats["uptimePercentage"], stats["maintenanceSeconds"]) == (50.0, 0)


# --- status pages ----------------------------------------------------------------------------

def test_status_pages_get_active_and_upcoming_windows_of_their_monitors(api, clock):
    from chalicelib.maintenance import cover as maintenance_cover
    from chalicelib.storage import monitors as monitor_store

    db = api.post("/api/monitors", {**WEBSITE, "name": "DB", "tags": ["db"]}).json["id"]
    web = api.post("/api/monitors", {**WEBSITE, "name": "Web"}).json["id"]
    api.post("/api/maintenance-windows", {**ONE_OFF, "name": "Now"})
    api.post("/api/maintenance-windows", CRON)                         # db only, 02:30Z nightly
    api.post("/api/maintenance-windows", {**ONE_OFF, "name": "Later",
                                          "startsAt": "2026-04-10T00:00:00Z",
                                          "endsAt": "2026-04-10T01:00:00Z"})
    account_id = monitor_store.find_by_id(db).account_id
    found = maintenance_cover.active_and_upcoming(account_id, [db, web], clock.now())
    assert [(w["name"], w["active"], w["startsAt"], w["monitorIds"]) for w in found] == [
        ("Now", True, "2026-03-24T09:00:00Z", [db, web]),
        ("Nightly backup", False, "2026-03-25T02:30:00Z", [db]),
    ]
    assert maintenance_cover.active_and_upcoming(account_id, [web], clock.now())[0]["name"] \
        == "Now"


def test_a_window_another_process_just_wrote_suppresses_the_down_at_once(api, clock):
    """The checks run in another process than the API that stores a window, and that process
    remembers an account's windows for CACHE_SECONDS. A down about to be announced asks the
    stored windows again, so a window made a moment ago still suppresses it."""
    from chalicelib.maintenance import cover
    from chalicelib.storage import monitors as monitor_store

    monitor = api.post("/api/monitors", WEBSITE).json["id"]
    account_id = monitor_store.find_by_id(monitor).account_id
    assert cover.windows_of(account_id, clock.now()) == []     # the worker's copy: none
    cached = dict(cover._cache)
    api.post("/api/maintenance-windows", {**ONE_OFF, "allMonitors": False,
                                          "monitorIds": [monitor]})
    cover._cache.update(cached)     # the API's write cleared only its own process's copy
    assert set(feed_failures(monitor, clock)) == {"region.down"}
    assert api.get(f"/api/incidents?monitorId={monitor}").json["totalCount"] == 0
    assert api.get("/api/alerts").json["totalCount"] == 0
