import pytest

from apitools import make_account

WEBHOOK = {"name": "My Webhook", "type": "Webhook", "webhookUrl": "https://your-server.com/webhook"}
WEBSITE = {"name": "Production API", "type": "Website", "url": "https://api.example.com"}


@pytest.fixture
def channel(api):
    return api.post("/api/alert-channels", WEBHOOK).json["id"]


def test_it_creates_a_rule_with_the_default_events(api, channel):
    response = api.post("/api/alert-rules", {"name": "Prod", "tags": ["production"],
                                             "channelIds": [channel]})
    assert response.status_code == 201
    body = response.json
    assert body["id"].startswith("rule_")
    assert body["events"] == ["monitor.down", "monitor.up"]
    assert (body["enabled"], body["tags"], body["monitorIds"], body["allMonitors"]) == \
        (True, ["production"], None, False)
    assert body["channelIds"] == [channel]
    assert body["escalationPolicyId"] is None


def test_it_targets_the_callers_monitors_and_stores_the_escalation_policy(api, channel):
    monitor = api.post("/api/monitors", WEBSITE).json["id"]
    policy = api.post("/api/escalation-policies",
                      {"name": "On call", "levels": [{"channelIds": [channel]}]}).json["id"]
    body = {"name": "API", "monitorIds": [monitor], "channelIds": [channel],
            "events": ["MONITOR.DOWN", "incident.created", "monitor.down"],
            "escalationPolicyId": policy}
    created = api.post("/api/alert-rules", body)
    assert created.status_code == 201
    assert created.json["events"] == ["monitor.down", "incident.created"]
    assert created.json["escalationPolicyId"] == policy
    assert api.get(f"/api/alert-rules/{created.json['id']}").json == created.json


@pytest.mark.parametrize("target, fields", [
    ({}, ["monitorIds", "tags", "allMonitors"]),
    ({"allMonitors": False}, ["monitorIds", "tags", "allMonitors"]),
    ({"tags": ["prod"], "allMonitors": True}, ["tags", "allMonitors"]),
    ({"monitorIds": ["mon_abc"], "tags": ["prod"]}, ["monitorIds", "tags"]),
])
def test_it_needs_exactly_one_target(api, channel, target, fields):
    response = api.post("/api/alert-rules", {"name": "R", "channelIds": [channel], **target})
    assert response.status_code == 400
    assert response.json["code"] == "VALIDATION_ERROR"
    assert [d["field"] for d in response.json["details"]] == fields


@pytest.mark.parametrize("change, field", [
    ({"name": ""}, "name"),
    ({"channelIds": []}, "channelIds"),
    ({"channelIds": [f"ch_{i}" for i in range(21)]}, "channelIds"),
    ({"channelIds": ["nope"]}, "channelIds.0"),
    ({"events": []}, "events"),
    ({"events": ["monitor.exploded"]}, "events.0"),
    ({"tags": []}, "tags"),
    ({"tags": ["Not A Tag"]}, "tags.0"),
    ({"monitorIds": []}, "monitorIds"),
    ({"monitorIds": ["inc_abc"]}, "monitorIds.0"),
    ({"enabled": "sometimes"}, "enabled"),
    ({"escalationPolicyId": ""}, "escalationPolicyId"),
    ({"color": "red"}, "color"),
])
def test_it_refuses_a_bad_rule_naming_the_field(api, channel, change, field):
    body = {"name": "R", "allMonitors": True, "channelIds": [channel], **change}
    if "tags" in change or "monitorIds" in change:
        body.pop("allMonitors")
    response = api.post("/api/alert-rules", body)
    assert response.status_code == 400
    assert response.json["code"] == "VALIDATION_ERROR"
    assert response.json["details"][0]["field"] == field


def test_it_refuses_an_unknown_channel_or_monitor(api, channel):
    response = api.post("/api/alert-rules", {"name": "R", "allMonitors": True,
                                             "channelIds": [channel, "ch_missing000"]})
    assert (response.status_code, response.json["code"]) == (400, "INVALID_REFERENCE")
    assert response.json["details"][0]["field"] == "channelIds"
    assert "ch_missing000" in response.json["message"]
    response = api.post("/api/alert-rules", {"name": "R", "monitorIds": ["mon_missing000"],
                                             "channelIds": [channel]})
    assert (response.status_code, response.json["code"]) == (400, "INVALID_REFERENCE")
    assert response.json["details"][0]["field"] == "monitorIds"
    assert api.get("/api/alert-rules").json["totalCount"] == 0


def test_it_refuses_another_accounts_channel_and_monitor(api, channel):
    _, other_key = make_account()
    their_channel = api.post("/api/alert-channels", WEBHOOK, key=other_key).json["id"]
    their_monitor = api.post("/api/monitors", WEBSITE, key=other_key).json["id"]
    response = api.post("/api/alert-rules", {"name": "R", "allMonitors": True,
                                             "channelIds": [their_channel]})
    assert (response.status_code, response.json["code"]) == (400, "INVALID_REFERENCE")
    response = api.post("/api/alert-rules", {"name": "R", "monitorIds": [their_monitor],
                                             "channelIds": [channel]})
    assert (response.status_code, response.json["code"]) == (400, "INVALID_REFERENCE")


def test_it_replaces_in_full_and_deletes(api, channel):
    created = api.post("/api/alert-rules", {"name": "R", "allMonitors": True, "enabled": False,
                                            "channelIds": [channel],
                                            "events": ["incident.created"]}).json
    path = f"/api/alert-rules/{created['id']}"
    replaced = api.put(path, {"name": "R2", "tags": ["db"], "channelIds": [channel]})
    assert replaced.status_code == 200
    assert (replaced.json["name"], replaced.json["enabled"], replaced.json["allMonitors"],
            replaced.json["tags"], replaced.json["events"]) == \
        ("R2", True, False, ["db"], ["monitor.down", "monitor.up"])
    assert replaced.json["createdAt"] == created["createdAt"]
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    assert api.get("/api/alert-rules").json == {"items": [], "totalCount": 0}


def test_a_get_response_can_be_put_back(api, channel):
    created = api.post("/api/alert-rules", {"name": "R", "tags": ["db"],
                                            "channelIds": [channel]}).json
    body = {k: v for k, v in created.items() if k not in ("id", "createdAt", "updatedAt")}
    assert api.put(f"/api/alert-rules/{created['id']}", body).status_code == 200


@pytest.mark.parametrize("method, with_body", [("GET", False), ("PUT", True), ("DELETE", False)])
def test_another_accounts_rule_is_exactly_like_a_missing_one(api, channel, method, with_body):
    _, other_key = make_account()
    their_channel = api.post("/api/alert-channels", WEBHOOK, key=other_key).json["id"]
    theirs = api.post("/api/alert-rules", {"name": "Theirs", "allMonitors": True,
                                           "channelIds": [their_channel]}, key=other_key).json
    body = {"name": "Mine", "allMonitors": True, "channelIds": [channel]} if with_body else None
    foreign = api.request(method, f"/api/alert-rules/{theirs['id']}", body)
    missing = api.request(method, "/api/alert-rules/rule_doesnotexist00", body)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["code"] == missing.json["code"] == "NOT_FOUND"
    assert api.get(f"/api/alert-rules/{theirs['id']}", key=other_key).json["name"] == "Theirs"
    assert api.get("/api/alert-rules").json["totalCount"] == 0


def test_it_needs_the_alerts_scopes(api):
    _, read_only = make_account(scopes=("alerts:read",))
    assert api.get("/api/alert-rules", key=read_only).status_code == 200
    denied = api.post("/api/alert-rules", {"name": "R", "allMonitors": True,
                                           "channelIds": ["ch_abc"]}, key=read_only)
    assert (denied.status_code, denied.json["code"]) == (403, "INSUFFICIENT_SCOPE")
