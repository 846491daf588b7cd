"""The provider channel types through the API: each is accepted with its fields, every missing or
invalid field is a 400 naming it, credentials never come back, and a provider's address cannot
be set through the API."""
import pytest

PUSHOVER = {"name": "Phone", "type": "Pushover", "userKey": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
            "appToken": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "priority": 2, "retry": 60,
            "expire": 3600}
GOOGLE_CHAT = {"name": "Space", "type": "GoogleChat",
               "webhookUrl": "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=K3y&token=T0k"}
MATTERMOST = {"name": "MM", "type": "Mattermost",
              "webhookUrl": "https://mattermost.example.com/hooks/xxx-generatedkey-xxx"}
MATRIX = {"name": "Room", "type": "Matrix", "homeserverUrl": "https://matrix.example.org",
          "roomId": "!ops:example.org", "accessToken": "syt_c2VjcmV0_token"}
GOTIFY = {"name": "Gotify", "type": "Gotify", "serverUrl": "https://gotify.example.com",
          "appToken": "AbCdEf.123", "priority": 5}
ZULIP = {"name": "Zulip", "type": "Zulip", "serverUrl": "https://ops.zulipchat.com",
         "botEmail": "enori-bot@ops.zulipchat.com", "apiKey": "a0b1c2d3e4f5", "stream": "ops",
         "topic": "alerts"}
TWILIO = {"name": "SMS", "type": "TwilioSms", "accountSid": "AC" + "0123456789abcdef" * 2,
          "authToken": "f" * 32, "fromNumber": "+15005550006", "toNumber": "+14155552671"}
BODIES = [PUSHOVER, GOOGLE_CHAT, MATTERMOST, MATRIX, GOTIFY, ZULIP, TWILIO]
# The credentials of each body, which no answer may contain.
SECRETS = {"Pushover": ("userKey", "appToken"), "Matrix": ("accessToken",),
           "Gotify": ("appToken",), "Zulip": ("apiKey",), "TwilioSms": ("authToken",)}
URL_TOKENS = {"GoogleChat": "T0k", "Mattermost": "generatedkey"}


@pytest.mark.parametrize("body", BODIES, ids=lambda body: body["type"])
def test_it_accepts_each_provider_type(api, body):
    response = api.post("/api/alert-channels", body)
    assert response.status_code == 201, response.json
    assert response.json["type"] == body["type"]
    shown_fields = set(response.json) - {"id", "createdAt", "updatedAt", "enabled", "lastFailure"}
    assert shown_fields == set(body)


@pytest.mark.parametrize("body", BODIES, ids=lambda body: body["type"])
def test_credentials_never_come_back(api, body):
    created = api.post("/api/alert-channels", body)
    fetched = api.get(f"/api/alert-channels/{created.json['id']}")
    listed = api.get("/api/alert-channels")
    for field in SECRETS.get(body["type"], ()):
        for answer in (created, fetched, listed):
            assert body[field].encode() not in answer.body, (field, answer)
        assert created.json[field] == fetched.json[field] == "…"
    if body["type"] in URL_TOKENS:
        assert URL_TOKENS[body["type"]].encode() not in fetched.body
        assert fetched.json["webhookUrl"].endswith("…")


@pytest.mark.parametrize("body", [b for b in BODIES if b["type"] in SECRETS],
                         ids=lambda body: body["type"])
def test_a_masked_credential_sent_back_is_refused_by_name(api, body):
    created = api.post("/api/alert-channels", body).json
    fetched = api.get(f"/api/alert-channels/{created['id']}").json
    round_trip = {k: v for k, v in fetched.items() if k not in ("id", "createdAt", "updatedAt")}
    response = api.put(f"/api/alert-channels/{created['id']}", round_trip)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] in SECRETS[body["type"]]
    assert api.put(f"/api/alert-channels/{created['id']}", body).status_code == 200


def _without(body, field):
    return {k: v for k, v in body.items() if k != field}


@pytest.mark.parametrize("body, field", [
    *((_without(PUSHOVER, f), f) for f in ("userKey", "appToken")),
    ({**PUSHOVER, "userKey": "short"}, "userKey"),
    ({**PUSHOVER, "appToken": "a" * 29 + "!"}, "appToken"),
    ({**PUSHOVER, "priority": 3}, "priority"),
    ({**PUSHOVER, "retry": 10}, "retry"),
    ({**PUSHOVER, "expire": 86400}, "expire"),
    (_without(GOOGLE_CHAT, "webhookUrl"), "webhookUrl"),
    ({**GOOGLE_CHAT, "webhookUrl": "chat.googleapis.com/x"}, "webhookUrl"),
    (_without(MATTERMOST, "webhookUrl"), "webhookUrl"),
    *((_without(MATRIX, f), f) for f in ("homeserverUrl", "roomId", "accessToken")),
    ({**MATRIX, "roomId": "#ops:example.org"}, "roomId"),
    ({**MATRIX, "homeserverUrl": "ftp://matrix.example.org"}, "homeserverUrl"),
    ({**MATRIX, "accessToken": "has space"}, "accessToken"),
    *((_without(GOTIFY, f), f) for f in ("serverUrl", "appToken")),
    ({**GOTIFY, "priority": 11}, "priority"),
    *((_without(ZULIP, f), f) for f in ("serverUrl", "botEmail", "apiKey", "stream")),
    ({**ZULIP, "botEmail": "not-an-email"}, "botEmail"),
    ({**ZULIP, "topic": "two\nlines"}, "topic"),
    *((_without(TWILIO, f), f) for f in ("accountSid", "authToken", "fromNumber", "toNumber")),
    ({**TWILIO, "accountSid": "XX" + "0" * 32}, "accountSid"),
    ({**TWILIO, "toNumber": "0123 456"}, "toNumber"),
    ({**TWILIO, "fromNumber": "+0123"}, "fromNumber"),
    ({**PUSHOVER, "apiUrl": "http://127.0.0.1:9/"}, "apiUrl"),      # no provider address via API
    ({**TWILIO, "baseUrl": "http://127.0.0.1:9/"}, "baseUrl"),
])
def test_a_missing_or_invalid_field_is_a_400_naming_it(api, body, field):
    response = api.post("/api/alert-channels", body)
    assert response.status_code == 400, response.json
    assert response.json["code"] == "VALIDATION_ERROR"
    assert [d["field"] for d in response.json["details"]] == [field]


@pytest.mark.parametrize("body, field", [
    ({**MATRIX, "homeserverUrl": "http://169.254.169.254"}, "homeserverUrl"),
    ({**GOTIFY, "serverUrl": "http://10.0.0.7:8080"}, "serverUrl"),
    ({**ZULIP, "serverUrl": "http://127.0.0.1"}, "serverUrl"),
    ({**MATTERMOST, "webhookUrl": "http://[::1]/hooks/x"}, "webhookUrl"),
])
def test_a_self_hosted_server_goes_through_the_outbound_guard(api, body, field):
    response = api.post("/api/alert-channels", body)
    assert response.status_code == 400
    assert response.json["code"] == "SSRF_BLOCKED"


def test_a_webhook_template_is_kept_shown_and_checked(api):
    template = {"text": "{{summary.title}}", "ms": "{{alert.responseTimeMs}}"}
    body = {"name": "Relay", "type": "Webhook", "webhookUrl": "https://relay.example.com/in",
            "bodyTemplate": template, "headers": {"Authorization": "Bearer r3lay"}}
    created = api.post("/api/alert-channels", body)
    assert created.status_code == 201, created.json
    fetched = api.get(f"/api/alert-channels/{created.json['id']}").json
    assert fetched["bodyTemplate"] == template
    assert fetched["headers"] == {"Authorization": "…"}
    bad = api.post("/api/alert-channels", {**body, "bodyTemplate": {"t": "{{monitor.nope}}"}})
    assert bad.status_code == 400
    assert bad.json["details"][0]["field"] == "bodyTemplate"
    assert "{{monitor.nope}}" in bad.json["details"][0]["message"]
