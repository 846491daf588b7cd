"""/api/alert-channels for PagerDuty, Opsgenie, Telegram and ntfy: the fields each takes (a 400
naming the field for each missing or invalid one), secrets masked in every answer, and a test
alert delivered to the provider's local stand-in."""
import dataclasses

import pytest

from provider_standins import (NTFY_TOKEN, OPSGENIE_KEY, PAGERDUTY_KEY, TELEGRAM_CHAT,
                                 TELEGRAM_TOKEN, ProviderStandins)

PAGERDUTY = {"name": "On call", "type": "PagerDuty", "routingKey": PAGERDUTY_KEY}
OPSGENIE = {"name": "Genie", "type": "Opsgenie", "apiKey": OPSGENIE_KEY, "region": "eu"}
TELEGRAM = {"name": "Ops chat", "type": "Telegram", "botToken": TELEGRAM_TOKEN,
            "chatId": int(TELEGRAM_CHAT)}
NTFY = {"name": "Phone", "type": "ntfy", "topic": "enori-alerts", "priority": "high",
        "token": NTFY_TOKEN}
SECRETS = {"PagerDuty": ("routingKey", PAGERDUTY_KEY), "Opsgenie": ("apiKey", OPSGENIE_KEY),
           "Telegram": ("botToken", TELEGRAM_TOKEN), "Ntfy": ("token", NTFY_TOKEN)}


@pytest.mark.parametrize("body, shown", [
    (PAGERDUTY, {"type": "PagerDuty", "routingKey": "…"}),
    (OPSGENIE, {"type": "Opsgenie", "apiKey": "…", "region": "EU"}),
    (TELEGRAM, {"type": "Telegram", "botToken": "…", "chatId": TELEGRAM_CHAT}),
    (NTFY, {"type": "Ntfy", "topic": "enori-alerts", "priority": 4, "token": "…"}),
])
def test_it_creates_each_provider_channel_with_its_secret_masked_everywhere(api, body, shown):
    created = api.post("/api/alert-channels", body)
    assert created.status_code == 201, created.json
    assert {k: created.json.get(k) for k in shown} == shown
    assert created.json["lastFailure"] is None
    fetched = api.get(f"/api/alert-channels/{created.json['id']}")
    listed = api.get("/api/alert-channels")
    _, secret = SECRETS[shown["type"]]
    for answer in (created, fetched, listed):
        assert secret.encode() not in answer.body
    assert {k: fetched.json.get(k) for k in shown} == shown


def test_a_masked_secret_sent_back_is_refused_naming_it(api):
    created = api.post("/api/alert-channels", TELEGRAM).json
    fetched = api.get(f"/api/alert-channels/{created['id']}").json
    response = api.put(f"/api/alert-channels/{created['id']}", fetched)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "botToken"
    replaced = api.put(f"/api/alert-channels/{created['id']}", {**fetched,
                                                                  "botToken": TELEGRAM_TOKEN})
    assert replaced.status_code == 200, replaced.json


@pytest.mark.parametrize("body, field", [
    ({"name": "P", "type": "PagerDuty"}, "routingKey"),
    ({"name": "P", "type": "PagerDuty", "routingKey": "too-short"}, "routingKey"),
    ({"name": "P", "type": "PagerDuty", "routingKey": PAGERDUTY_KEY,
      "url": "http://127.0.0.1:9/"}, "url"),                      # no base URL through the API
    ({"name": "O", "type": "Opsgenie"}, "apiKey"),
    ({"name": "O", "type": "Opsgenie", "apiKey": "has spaces in it ok?"}, "apiKey"),
    ({"name": "O", "type": "Opsgenie", "apiKey": OPSGENIE_KEY, "region": "Mars"}, "region"),
    ({"name": "T", "type": "Telegram", "chatId": 1}, "botToken"),
    ({"name": "T", "type": "Telegram", "botToken": "nope", "chatId": 1}, "botToken"),
    ({"name": "T", "type": "Telegram", "botToken": TELEGRAM_TOKEN}, "chatId"),
    ({"name": "T", "type": "Telegram", "botToken": TELEGRAM_TOKEN, "chatId": "my chat"},
     "chatId"),
    ({"name": "N", "type": "Ntfy"}, "topic"),
    ({"name": "N", "type": "Ntfy", "topic": "has/slash"}, "topic"),
    ({"name": "N", "type": "Ntfy", "topic": "t", "priority": 9}, "priority"),
    ({"name": "N", "type": "Ntfy", "topic": "t", "serverUrl": "ftp://ntfy.example.com"},
     "serverUrl"),
    ({"name": "N", "type": "Ntfy", "topic": "t", "token": "bad token"}, "token"),
])
def test_it_refuses_a_bad_provider_body_naming_the_field(api, body, field):
    response = api.post("/api/alert-channels", body)
    assert response.status_code == 400, response.json
    assert response.json["code"] == "VALIDATION_ERROR"
    assert response.json["details"][0]["field"] == field


def test_a_self_hosted_ntfy_server_goes_through_the_outbound_guard(api):
    response = api.post("/api/alert-channels", {**NTFY, "serverUrl": "http://169.254.169.254/"})
    assert response.status_code == 400
    assert response.json["code"] == "SSRF_BLOCKED"


@pytest.fixture
def standins(monkeypatch):
    from chalicelib.channels.kinds import providers

    stand = ProviderStandins().start()
    monkeypatch.setattr(providers, "settings", dataclasses.replace(
        providers.settings, provider_urls=stand.provider_urls()))
    yield stand
    stand.stop()


@pytest.mark.parametrize("body", [PAGERDUTY, OPSGENIE, TELEGRAM, NTFY])
def test_a_test_alert_reaches_the_stand_in(api, private_ok, standins, body):
    channel = api.post("/api/alert-channels", body).json
    record = api.post(f"/api/alert-channels/{channel['id']}/test", {}).json
    assert record["status"] == "Delivered", record
    [received] = standins.received
    assert received.provider == {"PagerDuty": "pagerduty", "Opsgenie": "opsgenie-eu",
                                 "Telegram": "telegram", "Ntfy": "ntfy"}[channel["type"]]


def test_the_openapi_document_lists_each_provider_type_with_its_fields():
    import json

    import app  # noqa: F401 - registers the routes the document is made of
    from chalicelib.openapi import document

    schemas = json.loads(document.document_json())["components"]["schemas"]
    fields = {name: set(schemas[f"{name}ChannelIn"]["properties"]) - {"name", "type", "enabled"}
              for name in ("PagerDuty", "Opsgenie", "Telegram", "Ntfy")}
    assert fields == {"PagerDuty": {"routingKey"}, "Opsgenie": {"apiKey", "region"},
                      "Telegram": {"botToken", "chatId"},
                      "Ntfy": {"serverUrl", "topic", "priority", "token"}}
    assert "lastFailure" in schemas["AlertChannel"]["properties"]
