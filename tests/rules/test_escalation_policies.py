import pytest

from apitools import Api, make_account

WEBHOOK = {"name": "Hook", "type": "Webhook", "webhookUrl": "https://hooks.example.com/x"}
WEBSITE = {"name": "Production API", "type": "Website", "url": "https://api.example.com"}


def on_plan(api, plan, scopes=("*",)):
    return Api(api.client, make_account(plan, scopes)[1])


@pytest.fixture
def channel(api):
    return api.post("/api/alert-channels", WEBHOOK).json["id"]


@pytest.fixture
def team(api):
    return api.post("/api/teams", {"name": "Ops",
                                   "members": [{"email": "oncall@example.com"}]}).json["id"]


def policy(channel, team=None, **extra):
    return {"name": "On call", "levels": [
        {"delayMinutes": 0, "channelIds": [channel]},
        {"delayMinutes": 15, "channelIds": [channel], "teamIds": [team] if team else []},
    ], **extra}


def test_it_creates_a_policy(api, channel, team):
    response = api.post("/api/escalation-policies", policy(channel, team, repeat=2))
    assert response.status_code == 201
    body = response.json
    assert body["id"].startswith("esc_")
    assert body["levels"] == [
        {"level": 1, "delayMinutes": 0, "channelIds": [channel], "teamIds": []},
        {"level": 2, "delayMinutes": 15, "channelIds": [channel], "teamIds": [team]}]
    assert (body["name"], body["repeat"]) == ("On call", 2)
    assert api.get(f"/api/escalation-policies/{body['id']}").json == body
    assert api.get("/api/escalation-policies").json == {"items": [body], "totalCount": 1}


def test_repeat_and_delay_default_to_zero(api, team):
    body = api.post("/api/escalation-policies",
                    {"name": "P", "levels": [{"teamIds": [team]}]}).json
    assert (body["repeat"], body["levels"][0]["delayMinutes"]) == (0, 0)


def test_put_replaces_it(api, channel, team):
    created = api.post("/api/escalation-policies", policy(channel, repeat=1)).json
    response = api.put(f"/api/escalation-policies/{created['id']}",
                       {"name": "Teams only", "levels": [{"delayMinutes": 5, "teamIds": [team]}]})
    assert response.status_code == 200
    assert response.json["levels"] == [{"level": 1, "delayMinutes": 5, "channelIds": [],
                                        "teamIds": [team]}]
    assert (response.json["name"], response.json["repeat"]) == ("Teams only", 0)
    assert api.get(f"/api/escalation-policies/{created['id']}").json == response.json


def test_delete_removes_it(api, channel):
    created = api.post("/api/escalation-policies", policy(channel)).json
    assert api.delete(f"/api/escalation-policies/{created['id']}").status_code == 204
    assert api.get(f"/api/escalation-policies/{created['id']}").status_code == 404
    assert api.delete(f"/api/escalation-policies/{created['id']}").status_code == 404


def levels(*delays):
    return [{"delayMinutes": d, "channelIds": ["ch_abc"]} for d in delays]


@pytest.mark.parametrize("body, field", [
    ({"levels": levels(0)}, "name"),
    ({"name": "", "levels": levels(0)}, "name"),
    ({"name": "P"}, "levels"),
    ({"name": "P", "levels": []}, "levels"),
    ({"name": "P", "levels": levels(*range(11))}, "levels"),
    ({"name": "P", "levels": [{"delayMinutes": 0}]}, "levels.0"),
    ({"name": "P", "levels": [{"delayMinutes": 0, "channelIds": [], "teamIds": []}]},
     "levels.0"),
    ({"name": "P", "levels": levels(-1)}, "levels.0.delayMinutes"),
    ({"name": "P", "levels": levels(1441)}, "levels.0.delayMinutes"),
    ({"name": "P", "levels": levels(0, 10, 5)}, "levels.2.delayMinutes"),
    ({"name": "P", "levels": [{"channelIds": ["team_x"]}]}, "levels.0.channelIds.0"),
    ({"name": "P", "levels": [{"teamIds": ["ch_x"]}]}, "levels.0.teamIds.0"),
    ({"name": "P", "levels": levels(0), "repeat": 6}, "repeat"),
    ({"name": "P", "levels": levels(0), "repeat": -1}, "repeat"),
    ({"name": "P", "levels": [{"channelIds": ["ch_a"], "after": 3}]}, "levels.0.after"),
])
def test_it_refuses_a_bad_policy_naming_the_field(api, body, field):
    response = api.post("/api/escalation-policies", body)
    assert (response.status_code, response.json["code"]) == (400, "VALIDATION_ERROR")
    assert response.json["details"][0]["field"] == field


def test_equal_delays_are_fine(api, channel):
    body = {"name": "P", "levels": [{"delayMinutes": 5, "channelIds": [channel]}] * 2}
    assert api.post("/api/escalation-policies", body).status_code == 201


@pytest.mark.parametrize("level, field", [
    ({"channelIds": ["ch_missing0000"]}, "levels.1.channelIds"),
    ({"teamIds": ["team_missing0000"]}, "levels.1.teamIds"),
])
def test_it_refuses_unknown_channels_and_teams(api, channel, level, field):
    body = {"name": "P", "levels": [{"channelIds": [channel]}, level]}
    response = api.post("/api/escalation-policies", body)
    assert (response.status_code, response.json["code"]) == (400, "INVALID_REFERENCE")
    assert response.json["details"][0]["field"] == field


def test_it_refuses_another_accounts_channel_and_team_in_the_body(api, channel, team):
    other = on_plan(api, "Business")
    for level in ({"channelIds": [channel]}, {"teamIds": [team]}):
        response = other.post("/api/escalation-policies", {"name": "P", "levels": [level]})
        assert (response.status_code, response.json["code"]) == (400, "INVALID_REFERENCE")


# --- plan limits --------------------------------------------------------------------------------

@pytest.mark.parametrize("plan, limit, upgrade", [
    ("Base", 2, " Upgrade to Pro for up to 10."),
    ("Pro", 10, " Upgrade to Business for up to 20."),
    ("Business", 20, ""),
])
def test_the_policy_count_is_limited_by_plan(api, plan, limit, upgrade):
    client = on_plan(api, plan)
    team_id = client.post("/api/teams", {"name": "Ops"}).json["id"]
    body = {"name": "P", "levels": [{"teamIds": [team_id]}]}
    for _ in range(limit):
        assert client.post("/api/escalation-policies", body).status_code == 201
    response = client.post("/api/escalation-policies", body)
    assert response.status_code == 403
    assert response.json == {"error": "Escalation policy limit exceeded",
                             "code": "PLAN_LIMIT_EXCEEDED",
                             "message": f"Your {plan} plan allows {limit} escalation policies."
                                        + upgrade}
    assert client.get("/api/account").json["usage"]["escalationPolicies"] == limit


def test_deleting_a_policy_frees_its_slot(api, channel):
    account_id, key = make_account("Base")
    client = Api(api.client, key)
    own = client.post("/api/alert-channels", WEBHOOK).json["id"]
    ids = [client.post("/api/escalation-policies", policy(own)).json["id"] for _ in range(2)]
    client.delete(f"/api/escalation-policies/{ids[0]}")
    assert client.post("/api/escalation-policies", policy(own)).status_code == 201


# --- attaching: alert rules and monitors --------------------------------------------------------

def test_rules_and_monitors_accept_only_the_callers_policies(api, channel):
    mine = api.post("/api/escalation-policies", policy(channel)).json["id"]
    other = on_plan(api, "Business")
    theirs_channel = other.post("/api/alert-channels", WEBHOOK).json["id"]
    theirs = other.post("/api/escalation-policies", policy(theirs_channel)).json["id"]
    rule = {"name": "R", "allMonitors": True, "channelIds": [channel]}
    assert api.post("/api/alert-rules", {**rule, "escalationPolicyId": mine}).status_code == 201
    for policy_id in (theirs, "esc_missing0000"):
        response = api.post("/api/alert-rules", {**rule, "escalationPolicyId": policy_id})
        assert (response.status_code, response.json["code"]) == (400, "INVALID_REFERENCE")
        assert response.json["details"][0]["field"] == "escalationPolicyId"
        response = api.post("/api/monitors", {**WEBSITE, "escalationPolicyId": policy_id})
        assert (response.status_code, response.json["code"]) == (400, "INVALID_REFERENCE")
        assert response.json["details"][0]["field"] == "escalationPolicyId"
    monitor = api.post("/api/monitors", {**WEBSITE, "escalationPolicyId": mine})
    assert monitor.status_code == 201
    assert api.get(f"/api/monitors/{monitor.json['id']}").json["escalationPolicyId"] == mine


def test_a_monitor_without_a_policy_shows_none(api):
    monitor = api.post("/api/monitors", WEBSITE).json
    assert api.get(f"/api/monitors/{monitor['id']}").json["escalationPolicyId"] is None


# --- tenancy and scopes -------------------------------------------------------------------------

@pytest.mark.parametrize("method, body", [("GET", None), ("PUT", "policy"), ("DELETE", None)])
def test_another_accounts_policy_is_not_found(api, channel, method, body):
    created = api.post("/api/escalation-policies", policy(channel)).json
    other = on_plan(api, "Business")
    own_channel = other.post("/api/alert-channels", WEBHOOK).json["id"]
    response = other.request(method, f"/api/escalation-policies/{created['id']}",
                             policy(own_channel) if body else None)
    assert (response.status_code, response.json["code"]) == (404, "NOT_FOUND")
    assert api.get(f"/api/escalation-policies/{created['id']}").json == created
    assert other.get("/api/escalation-policies").json["totalCount"] == 0


def test_policies_need_the_alerts_scopes(api, channel):
    reader = on_plan(api, "Business", scopes=("alerts:read",))
    assert reader.get("/api/escalation-policies").status_code == 200
    response = reader.post("/api/escalation-policies", policy(channel))
    assert (response.status_code, response.json["code"]) == (403, "INSUFFICIENT_SCOPE")
    teams_only = on_plan(api, "Business", scopes=("teams:write",))
    assert teams_only.get("/api/escalation-policies").status_code == 403
