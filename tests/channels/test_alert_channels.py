import pytest

from apitools import make_account

# The spec's Quick Start "Set Up Alerts" body, unchanged.
SPEC_WEBHOOK = {"name": "My Webhook", "type": "Webhook",
                "webhookUrl": "https://your-server.com/webhook"}
SLACK_URL = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX"
SLACK = {"name": "Ops Slack", "type": "Slack", "webhookUrl": SLACK_URL}
WEBSITE = {"name": "Production API", "type": "Website", "url": "https://api.example.com"}


def test_it_creates_the_quick_start_webhook_channel(api):
    response = api.post("/api/alert-channels", SPEC_WEBHOOK)
    assert response.status_code == 201
    body = response.json
    assert body["id"].startswith("ch_")
    assert (body["name"], body["type"], body["enabled"]) == ("My Webhook", "Webhook", True)
    assert body["webhookUrl"] == "https://your-server.com/webhook"
    assert body["hasSecret"] is False
    assert body["createdAt"].endswith("Z") and body["updatedAt"].endswith("Z")


TEAMS_URL = "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456"


@pytest.mark.parametrize("body, canonical", [
    ({"name": "Mail", "type": "email", "addresses": ["ops@example.com"]}, "Email"),
    ({"name": "Chat", "type": "SLACK", "webhookUrl": SLACK_URL}, "Slack"),
    ({"name": "Chat", "type": "discord", "webhookUrl": "https://discord.com/api/webhooks/1/abc"},
     "Discord"),
    ({"name": "Chat", "type": "teams", "webhookUrl": TEAMS_URL}, "Teams"),
    ({"name": "Hook", "type": "webhook", "webhookUrl": "https://example.com/h",
      "secret": "s3cret-value", "headers": {"X-Team": "ops"}}, "Webhook"),
])
def test_it_accepts_each_type_in_any_case(api, body, canonical):
    response = api.post("/api/alert-channels", body)
    assert response.status_code == 201, response.json
    assert response.json["type"] == canonical


@pytest.mark.parametrize("body, field", [
    ({"type": "Webhook", "webhookUrl": "https://example.com/h"}, "name"),
    ({"name": "", "type": "Webhook", "webhookUrl": "https://example.com/h"}, "name"),
    ({"name": "x" * 101, "type": "Webhook", "webhookUrl": "https://example.com/h"}, "name"),
    ({"name": "A", "type": "Pager", "webhookUrl": "https://example.com/h"}, "type"),
    ({"name": "A", "type": "Webhook"}, "webhookUrl"),
    ({"name": "A", "type": "Webhook", "webhookUrl": "ftp://example.com/h"}, "webhookUrl"),
    ({"name": "A", "type": "Slack"}, "webhookUrl"),
    ({"name": "A", "type": "Email"}, "addresses"),
    ({"name": "A", "type": "Email", "addresses": ["ops@example.com"], "webhookUrl": "https://e.com"},
     "webhookUrl"),
    ({"name": "A", "type": "Webhook", "webhookUrl": "https://example.com/abc…"}, "webhookUrl"),
])
def test_it_refuses_a_bad_body_naming_the_field(api, body, field):
    response = api.post("/api/alert-channels", body)
    assert response.status_code == 400
    assert response.json["code"] == "VALIDATION_ERROR"
    assert response.json["details"][0]["field"] == field


def test_it_refuses_the_metadata_address_as_ssrf(api):
    response = api.post("/api/alert-channels", {**SPEC_WEBHOOK,
                                                "webhookUrl": "http://169.254.169.254/"})
    assert response.status_code == 400
    assert response.json["code"] == "SSRF_BLOCKED"
    assert api.get("/api/alert-channels").json["totalCount"] == 0


def test_it_never_echoes_the_secret(api):
    created = api.post("/api/alert-channels", {**SPEC_WEBHOOK, "secret": "whsec-123"})
    assert created.json["hasSecret"] is True
    fetched = api.get(f"/api/alert-channels/{created.json['id']}")
    listed = api.get("/api/alert-channels")
    for text in (created.body, fetched.body, listed.body):
        assert b"whsec-123" not in text
    assert fetched.json["hasSecret"] is True


def test_it_shows_a_chat_url_in_full_once_then_masked(api):
    created = api.post("/api/alert-channels", SLACK).json
    assert created["webhookUrl"] == SLACK_URL
    fetched = api.get(f"/api/alert-channels/{created['id']}").json
    assert fetched["webhookUrl"] == "https://hooks.slack.com/service…"
    assert api.get("/api/alert-channels").json["items"][0]["webhookUrl"] == fetched["webhookUrl"]


def test_it_masks_custom_header_values_after_create(api):
    created = api.post("/api/alert-channels", {**SPEC_WEBHOOK,
                                               "headers": {"Authorization": "Bearer t0ken"}})
    assert created.json["headers"] == {"Authorization": "Bearer t0ken"}
    fetched = api.get(f"/api/alert-channels/{created.json['id']}")
    assert fetched.json["headers"] == {"Authorization": "…"}
    assert b"t0ken" not in fetched.body


def test_it_replaces_in_full_and_refuses_a_masked_url_sent_back(api):
    created = api.post("/api/alert-channels", {**SPEC_WEBHOOK, "secret": "whsec-long-enough"}).json
    path = f"/api/alert-channels/{created['id']}"
    replaced = api.put(path, {"name": "Renamed", "type": "Webhook",
                              "webhookUrl": "https://your-server.com/v2", "enabled": False})
    assert replaced.status_code == 200
    assert (replaced.json["name"], replaced.json["enabled"]) == ("Renamed", False)
    assert replaced.json["hasSecret"] is False  # full replace: the omitted secret is gone
    slack = api.post("/api/alert-channels", SLACK).json
    round_trip = api.get(f"/api/alert-channels/{slack['id']}").json
    body = {k: round_trip[k] for k in ("name", "type", "webhookUrl")}
    response = api.put(f"/api/alert-channels/{slack['id']}", body)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "webhookUrl"


def test_it_may_change_the_type_on_put(api):
    created = api.post("/api/alert-channels", SPEC_WEBHOOK).json
    replaced = api.put(f"/api/alert-channels/{created['id']}",
                       {"name": "Mail", "type": "Email", "addresses": ["ops@example.com"]})
    assert replaced.status_code == 200
    assert replaced.json["type"] == "Email" and "webhookUrl" not in replaced.json


def test_it_enforces_the_base_plan_limit_and_delete_frees_a_slot(api):
    _, key = make_account(plan="Base")
    ids = [api.post("/api/alert-channels", SPEC_WEBHOOK, key=key).json["id"] for _ in range(5)]
    over = api.post("/api/alert-channels", SPEC_WEBHOOK, key=key)
    assert over.status_code == 403
    assert over.json == {"error": "Alert channel limit exceeded", "code": "PLAN_LIMIT_EXCEEDED",
                         "message": "Your Base plan allows 5 alert channels. "
                                    "Upgrade to Pro for up to 15."}
    assert api.get("/api/account", key=key).json["usage"]["alertChannels"] == 5
    assert api.delete(f"/api/alert-channels/{ids[0]}", key=key).status_code == 204
    assert api.get("/api/account", key=key).json["usage"]["alertChannels"] == 4
    assert api.post("/api/alert-channels", SPEC_WEBHOOK, key=key).status_code == 201


def test_monitors_can_reference_a_created_channel(api):
    channel = api.post("/api/alert-channels", SPEC_WEBHOOK).json
    response = api.post("/api/monitors", {**WEBSITE, "alertChannelIds": [channel["id"]]})
    assert response.status_code == 201
    assert response.json["alertChannelIds"] == [channel["id"]]


def test_deleting_a_channel_leaves_rules_their_other_channels(api):
    keep = api.post("/api/alert-channels", SPEC_WEBHOOK).json["id"]
    gone = api.post("/api/alert-channels", SLACK).json["id"]
    rule = api.post("/api/alert-rules", {"name": "All", "allMonitors": True,
                                         "channelIds": [keep, gone]}).json
    assert api.delete(f"/api/alert-channels/{gone}").status_code == 204
    assert api.get(f"/api/alert-rules/{rule['id']}").json["channelIds"] == [keep]
    assert api.get(f"/api/alert-channels/{gone}").status_code == 404


ID_ROUTES = [
    ("GET", None),
    ("PUT", SPEC_WEBHOOK),
    ("DELETE", None),
]


@pytest.mark.parametrize("method, body", ID_ROUTES)
def test_another_accounts_channel_is_exactly_like_a_missing_one(api, method, body):
    _, other_key = make_account()
    theirs = api.post("/api/alert-channels", {**SPEC_WEBHOOK, "name": "Theirs"},
                      key=other_key).json
    foreign = api.request(method, f"/api/alert-channels/{theirs['id']}", body)
    missing = api.request(method, "/api/alert-channels/ch_doesnotexist000", body)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["code"] == missing.json["code"] == "NOT_FOUND"
    assert api.get(f"/api/alert-channels/{theirs['id']}", key=other_key).json["name"] == "Theirs"
    assert api.get("/api/alert-channels").json["totalCount"] == 0


def test_lists_show_only_the_callers_channels(api):
    _, other_key = make_account()
    api.post("/api/alert-channels", {**SPEC_WEBHOOK, "name": "Theirs"}, key=other_key)
    api.post("/api/alert-channels", {**SPEC_WEBHOOK, "name": "Mine"})
    assert [c["name"] for c in api.get("/api/alert-channels").json["items"]] == ["Mine"]


@pytest.mark.parametrize("method, path, scope", [
    ("GET", "/api/alert-channels", "alerts:read"),
    ("POST", "/api/alert-channels", "alerts:write"),
])
def test_it_needs_the_alerts_scopes(api, method, path, scope):
    _, monitors_only = make_account(scopes=("monitors:read", "monitors:write"))
    denied = api.request(method, path, SPEC_WEBHOOK if method == "POST" else None,
                         key=monitors_only)
    assert denied.status_code == 403 and denied.json["code"] == "INSUFFICIENT_SCOPE"
    _, scoped = make_account(scopes=(scope,))
    allowed = api.request(method, path, SPEC_WEBHOOK if method == "POST" else None, key=scoped)
    assert allowed.status_code in (200, 201)


def test_dropping_a_channel_from_a_rule_never_undoes_a_concurrent_edit(api, clock):
    from chalicelib.channels.service import _forget_in_rule
    from chalicelib.storage.rules import get_rule

    a, b, c = (api.post("/api/alert-channels", SPEC_WEBHOOK).json["id"] for _ in range(3))
    rule = api.post("/api/alert-rules", {"name": "R", "allMonitors": True,
                                         "channelIds": [a, b]}).json
    account_id = api.get("/api/account").json["id"]
    stale = get_rule(account_id, rule["id"])
    api.put(f"/api/alert-rules/{rule['id']}", {"name": "R", "allMonitors": True,
                                               "channelIds": [a, b, c]})
    _forget_in_rule(stale, b)
    assert get_rule(account_id, rule["id"]).channel_ids == [a, c]
