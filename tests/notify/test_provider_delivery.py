"""Delivery through the paging and push channels on moto, against the local provider stand-ins:
an outage's trigger, acknowledgement and resolve pair on one PagerDuty/Opsgenie alert; a
redelivered event posts nothing twice; a channel that fails for good is marked and its owner told
through the other channels (never back to it, once per spell); transient failures keep the
retry schedule."""
import dataclasses

import pytest

from chalicelib.checks.checkers.base import CheckResult
from provider_standins import (NTFY_PROTECTED_TOPIC, OPSGENIE_KEY, PAGERDUTY_KEY, TELEGRAM_CHAT,
                                 TELEGRAM_THROTTLED, TELEGRAM_TOKEN, ProviderStandins)


@pytest.fixture
def standins(monkeypatch):
    from chalicelib.channels.kinds import providers

    stand = ProviderStandins().start()
    monkeypatch.setattr(providers, "settings", dataclasses.replace(
        providers.settings, provider_urls=stand.provider_urls()))
    yield stand
    stand.stop()


@pytest.fixture
def retries(monkeypatch):
    from chalicelib.notify import delivery

    sent = []
    monkeypatch.setattr(delivery, "send_retry_message", lambda message, now: sent.append(message))
    return sent


def channel(api, body):
    created = api.post("/api/alert-channels", body)
    assert created.status_code == 201, created.json
    return created.json["id"]


PAGERDUTY = {"name": "pd", "type": "PagerDuty", "routingKey": PAGERDUTY_KEY}
OPSGENIE = {"name": "genie", "type": "Opsgenie", "apiKey": OPSGENIE_KEY}
TELEGRAM = {"name": "chat", "type": "Telegram", "botToken": TELEGRAM_TOKEN,
            "chatId": TELEGRAM_CHAT}
NTFY = {"name": "phone", "type": "Ntfy", "topic": "enori-alerts"}


def monitor_with(api, channel_ids):
    return api.post("/api/monitors", {"name": "Production API", "type": "Website",
                                      "url": "https://api.example.com",
                                      "alertChannelIds": channel_ids}).json


def event(api, monitor, kind, **extra):
    account_id = api.get("/api/account").json["id"]
    return {"id": f"evt_{kind}", "event": kind, "accountId": account_id,
            "monitor": {"id": monitor["id"], "name": "Production API",
                        "url": "https://api.example.com", "type": "Website"},
            "alert": {"type": kind, "message": "HTTP 503 Service Unavailable",
                      "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": None}, **extra}


def acknowledged(api, monitor, incident_id):
    account_id = api.get("/api/account").json["id"]
    return {"id": "evt_ack", "event": "incident.acknowledged", "accountId": account_id,
            "monitor": {"id": monitor["id"], "name": "Production API",
                        "url": "https://api.example.com", "type": "Website"},
            "incident": {"id": incident_id, "monitorId": monitor["id"], "title": "down",
                         "status": "Acknowledged", "acknowledgedAt": "2026-03-24T14:33:00Z"}}


def records(api):
    return api.get("/api/alerts?limit=100").json["items"]


def test_trigger_acknowledge_and_resolve_pair_on_one_alert(api, private_ok, standins, retries):
    from chalicelib.notify import delivery

    ids = [channel(api, PAGERDUTY), channel(api, OPSGENIE), channel(api, TELEGRAM)]
    monitor = monitor_with(api, ids)
    delivery.deliver_event(event(api, monitor, "monitor.down", incidentId="inc_outage1"))
    delivery.deliver_event(acknowledged(api, monitor, "inc_outage1"))
    delivery.deliver_event(event(api, monitor, "monitor.up", incidentId="inc_outage1"))
    pd, genie = standins.pagerduty["inc_outage1"], standins.opsgenie["inc_outage1"]
    assert (pd.actions, pd.status) == (["trigger", "acknowledge", "resolve"], "resolved")
    assert (genie.actions, genie.status) == (["create", "acknowledge", "close"], "resolved")
    # The acknowledgement reaches the channels that act on it, not the chat.
    assert len(standins.telegram) == 2
    ack_records = [r for r in records(api) if r["event"] == "incident.acknowledged"]
    assert sorted(r["channelType"] for r in ack_records) == ["Opsgenie", "PagerDuty"]
    assert {r["status"] for r in ack_records} == {"Delivered"}


def test_an_acknowledgement_follows_the_rules_that_opened_the_incident(api, private_ok,
                                                                       standins, retries):
    from chalicelib.notify import delivery

    pd = channel(api, PAGERDUTY)
    monitor = monitor_with(api, [])
    api.post("/api/alert-rules", {"name": "page", "monitorIds": [monitor["id"]],
                                  "channelIds": [pd], "events": ["incident.created"]})
    delivery.deliver_event(acknowledged(api, monitor, "inc_manual"))
    [received] = standins.of("pagerduty")
    assert received.json["event_action"] == "acknowledge"
    assert received.json["dedup_key"] == "inc_manual"


def test_a_redelivered_event_posts_nothing_twice(api, private_ok, standins, retries):
    from chalicelib.notify import delivery

    monitor = monitor_with(api, [channel(api, PAGERDUTY), channel(api, TELEGRAM),
                                 channel(api, NTFY)])
    down = event(api, monitor, "monitor.down", incidentId="inc_outage1")
    delivery.deliver_event(down)
    delivery.deliver_event(down)
    assert len(standins.received) == 3
    assert len(standins.telegram) == len(standins.ntfy) == 1


def test_a_channel_failing_for_good_is_marked_and_the_others_are_told_once(
        api, private_ok, standins, retries, receiver):
    from chalicelib.notify import delivery

    hook = receiver()
    broken = channel(api, {**TELEGRAM, "chatId": "-100999"})       # chat not found
    phone, hook_id = channel(api, NTFY), channel(api, {"name": "hook", "type": "Webhook",
                                                       "webhookUrl": hook.url})
    monitor = monitor_with(api, [broken])
    delivery.deliver_event(event(api, monitor, "monitor.down", incidentId="inc_1"))

    [failed] = [r for r in records(api) if r["channelId"] == broken]
    assert (failed["status"], failed["attempts"], failed["permanentFailure"]) == \
        ("Failed", 1, True)
    assert retries == []
    mark = api.get(f"/api/alert-channels/{broken}").json["lastFailure"]
    assert (mark["statusCode"], mark["alertId"]) == (400, failed["id"])
    assert "chat not found" in mark["error"]
    # Told through the phone, never the failing chat, never a machine webhook.
    [notice] = standins.ntfy
    assert notice["title"] == "⚠️ Alert channel chat (Telegram) stopped working"
    notices = [r for r in records(api) if r["event"] == "channel.failed"]
    assert [(r["channelId"], r["status"]) for r in notices] == [(phone, "Delivered")]
    assert hook.received == [] and hook_id not in {r["channelId"] for r in notices}

    # Still broken: the next alert fails again, and nobody is told twice.
    delivery.deliver_event({**event(api, monitor, "monitor.down", incidentId="inc_2"),
                            "id": "evt_down_2"})
    assert len(standins.ntfy) == 1

    # Fixed (replaced): healthy again, and its next alert goes through.
    body = {**TELEGRAM, "botToken": TELEGRAM_TOKEN}
    assert api.put(f"/api/alert-channels/{broken}", body).json["lastFailure"] is None
    delivery.deliver_event({**event(api, monitor, "monitor.down", incidentId="inc_3"),
                            "id": "evt_down_3"})
    assert len(standins.telegram) == 1


def test_a_delivery_that_succeeds_again_clears_the_mark(api, private_ok, standins, retries):
    from chalicelib.notify import delivery

    protected = channel(api, {**NTFY, "topic": NTFY_PROTECTED_TOPIC})     # 403 without a token
    monitor = monitor_with(api, [protected])
    delivery.deliver_event(event(api, monitor, "monitor.down", incidentId="inc_1"))
    assert api.get(f"/api/alert-channels/{protected}").json["lastFailure"]["statusCode"] == 403
    standins.script("ntfy", (200, {"id": "x", "event": "message"}))   # the server let it in
    delivery.deliver_event({**event(api, monitor, "monitor.up", incidentId="inc_1")})
    assert api.get(f"/api/alert-channels/{protected}").json["lastFailure"] is None


def test_a_transient_failure_keeps_the_retry_schedule_and_marks_nothing(
        api, clock, private_ok, standins, retries):
    from chalicelib.notify import delivery

    chat = channel(api, TELEGRAM)
    monitor = monitor_with(api, [chat])
    standins.script("telegram", TELEGRAM_THROTTLED)
    delivery.deliver_event(event(api, monitor, "monitor.down", incidentId="inc_1"))
    [record] = records(api)
    assert (record["status"], record["responseCode"]) == ("Retrying", 429)
    assert round(retries[-1].not_before - clock.time()) == 30
    assert api.get(f"/api/alert-channels/{chat}").json["lastFailure"] is None


def test_an_up_event_names_the_outage_its_down_opened(clock):
    """So a paging tool resolves the alert the down opened (`dedup_key`/`alias`)."""
    from chalicelib.monitors import service as monitors
    from chalicelib.checks import worker
    import resulttools
    from chalicelib.accounts.service import create_account
    from chalicelib.monitors.models import parse_monitor
    from chalicelib.storage.events import EventItem

    account = create_account("t", "Business", clock.now())
    monitor = monitors.create_monitor(account, parse_monitor({
        "name": "Shop", "type": "Website", "url": "https://shop.example.com",
        "failureThreshold": 1, "regions": ["UsEast"]}), clock.now())
    for slot, result in ((60, CheckResult(ok=True, status_code=200)),
                         (120, CheckResult(ok=False, error="HTTP 503")),
                         (180, CheckResult(ok=True, status_code=200))):
        resulttools.record_result(monitor, result, "UsEast", slot, clock.now(), 30)
        worker.evaluate_result(monitor, slot, "UsEast", result)
    by_type = {e.type: e.payload for e in EventItem.scan()}  # test-only read of the outbox
    assert by_type["monitor.up"]["incidentId"] == by_type["monitor.down"]["incidentId"]


def test_the_notice_acknowledges_as_the_delivering_handler():
    from chalicelib.notify import delivery
    from chalicelib.bus import event_topic
    from chalicelib.notify import handlers as alerts

    assert delivery.DELIVERY_CONSUMER == alerts.deliver_events.func.__name__
    assert delivery.DELIVERY_CONSUMER in event_topic.CONSUMERS
