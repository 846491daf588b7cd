"""PagerDuty, Opsgenie, Telegram and ntfy: the exact request each makes for every event (a
snapshot per channel and event, `snapshots/provider_requests.json`), and how each reads its
provider's answers, against the local stand-ins (tests/provider_standins.py).

After a deliberate change of a rendering: ENORI_UPDATE_SNAPSHOTS=1 pytest this file, then review
the diff of the snapshot file like code."""
import dataclasses
import json
import os
from pathlib import Path

import pytest

from chalicelib.channels.kinds import ntfy, opsgenie, pagerduty, providers, telegram
from chalicelib.channels.kinds.base import DeliveryError
from provider_standins import (NTFY_PROTECTED_TOPIC, NTFY_THROTTLED, NTFY_TOKEN, OPSGENIE_KEY,
                                 OPSGENIE_THROTTLED, PAGERDUTY_INVALID_EVENT, PAGERDUTY_KEY,
                                 PAGERDUTY_THROTTLED, TELEGRAM_BLOCKED_CHAT, TELEGRAM_CHAT,
                                 TELEGRAM_THROTTLED, TELEGRAM_TOKEN, ProviderStandins)

SNAPSHOT = Path(__file__).parent / "snapshots" / "provider_requests.json"
MONITOR = {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
           "type": "Website"}
INCIDENT = {"id": "inc_9f2c", "monitorId": "mon_abc123", "monitorName": "Production API",
            "title": "Production API is down: HTTP 503 Service Unavailable",
            "cause": "HTTP 503 Service Unavailable", "status": "Open", "publicStatus":
            "Investigating", "automatic": True, "severity": None,
            "startedAt": "2026-03-24T14:30:00Z", "acknowledgedAt": None, "acknowledgedBy": None,
            "resolvedAt": None, "resolvedBy": None, "durationSeconds": 0}


def alert(kind, message, at, ms=None):
    return {"type": kind, "message": message, "timestamp": at, "responseTimeMs": ms}


EVENTS = {
    "monitor.down": {"id": "evt_down", "event": "monitor.down", "accountId": "acc_1",
                     "monitor": MONITOR, "incidentId": "inc_9f2c", "slot": 29568090,
                     "downSinceSlot": 29568089,
                     "alert": alert("Down", "HTTP 503 Service Unavailable",
                                    "2026-03-24T14:30:00Z", 5230)},
    "monitor.up": {"id": "evt_up", "event": "monitor.up", "accountId": "acc_1",
                   "monitor": MONITOR, "incidentId": "inc_9f2c", "slot": 29568105,
                   "alert": alert("Recovered", "check passing again", "2026-03-24T14:45:00Z",
                                  120)},
    "monitor.degraded": {"id": "evt_slow", "event": "monitor.degraded", "accountId": "acc_1",
                         "monitor": MONITOR,
                         "alert": alert("P95", "P95 response time 2400 ms over 1000 ms",
                                        "2026-03-24T15:00:00Z", 2400)},
    "monitor.ssl_expiring": {"id": "evt_ssl", "event": "monitor.ssl_expiring",
                             "accountId": "acc_1", "monitor": MONITOR,
                             "alert": alert("SslExpiring", "certificate expires in 7 days",
                                            "2026-03-24T16:00:00Z")},
    "monitor.not_checked": {"id": "evt_nc", "event": "monitor.not_checked", "accountId": "acc_1",
                            "monitor": MONITOR,
                            "alert": alert("NotChecked", "not checked for 2 intervals: EuWest "
                                           "reported nothing; deciding with 1 of 2 regions",
                                           "2026-03-24T16:30:00Z")},
    "incident.created": {"id": "evt_inc_created", "event": "incident.created",
                         "accountId": "acc_1", "monitor": MONITOR, "incident": INCIDENT},
    "incident.updated": {"id": "evt_inc_updated", "event": "incident.updated",
                         "accountId": "acc_1", "incident": {"id": "inc_9f2c"},
                         "update": {"id": "upd_1", "kind": "update",
                                    "message": "Rolling back the <deploy> & watching",
                                    "status": "Identified", "author": "ops key",
                                    "at": "2026-03-24T14:35:00Z", "public": True}},
    "incident.acknowledged": {"id": "evt_inc_ack", "event": "incident.acknowledged",
                              "accountId": "acc_1", "monitor": MONITOR,
                              "incident": {**INCIDENT, "status": "Acknowledged",
                                           "acknowledgedAt": "2026-03-24T14:33:00Z",
                                           "acknowledgedBy": "ops key"}},
    "incident.resolved": {"id": "evt_inc_resolved", "event": "incident.resolved",
                          "accountId": "acc_1", "monitor": MONITOR,
                          "incident": {**INCIDENT, "status": "Resolved",
                                       "resolvedAt": "2026-03-24T14:45:00Z",
                                       "durationSeconds": 900}},
}
CONFIGS = {
    "PagerDuty": (pagerduty, {"routing_key": PAGERDUTY_KEY}),
    "Opsgenie": (opsgenie, {"api_key": OPSGENIE_KEY, "region": "US"}),
    "Telegram": (telegram, {"bot_token": TELEGRAM_TOKEN, "chat_id": TELEGRAM_CHAT}),
    "Ntfy": (ntfy, {"topic": "enori-alerts", "priority": 4, "token": NTFY_TOKEN}),
}


def as_snapshot(built):
    if built is None:
        return None
    return {"url": built.url, "headers": built.headers, "body": built.body}


def all_requests():
    return {channel: {name: as_snapshot(module.request(config, event))
                      for name, event in EVENTS.items()}
            for channel, (module, config) in CONFIGS.items()}


def test_every_channel_makes_the_snapshotted_request_for_every_event():
    got = all_requests()
    if os.environ.get("ENORI_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    assert got == json.loads(SNAPSHOT.read_text())


def test_paging_tools_pair_trigger_acknowledge_and_resolve_on_the_incident():
    pd = {name: pagerduty.render(event) for name, event in EVENTS.items()}
    for name in ("monitor.down", "incident.created", "incident.acknowledged", "monitor.up",
                 "incident.resolved"):
        assert pd[name]["dedup_key"] == "inc_9f2c", name
    assert [pd[n]["event_action"] for n in ("monitor.down", "incident.acknowledged",
                                            "monitor.up")] == ["trigger", "acknowledge",
                                                               "resolve"]
    assert pd["incident.updated"] is None            # the Events API has no note
    og = {name: opsgenie.render(event) for name, event in EVENTS.items()}
    assert {og[n]["alias"] for n in ("monitor.down", "incident.acknowledged", "monitor.up",
                                     "incident.updated")} == {"inc_9f2c"}
    assert [og[n]["action"] for n in ("monitor.down", "incident.acknowledged", "monitor.up",
                                      "incident.updated")] == ["trigger", "acknowledge",
                                                               "resolve", "note"]


def test_severity_follows_the_incident_then_the_monitor():
    major = {**EVENTS["incident.created"], "incident": {**INCIDENT, "severity": "Major"}}
    assert pagerduty.render(major)["payload"]["severity"] == "error"
    assert opsgenie.render(major)["body"]["priority"] == "P2"
    minor_monitor = {**EVENTS["monitor.down"], "monitor": {**MONITOR, "severity": "warning"}}
    assert pagerduty.render(minor_monitor)["payload"]["severity"] == "warning"
    assert pagerduty.render(EVENTS["monitor.down"])["payload"]["severity"] == "critical"


def test_opsgenie_eu_accounts_go_to_the_eu_root():
    built = opsgenie.request({"api_key": OPSGENIE_KEY, "region": "EU"}, EVENTS["monitor.down"])
    assert built.url == "https://api.eu.opsgenie.com/v2/alerts"


def test_telegram_escapes_what_users_and_errors_write():
    event = {**EVENTS["monitor.down"], "monitor": {**MONITOR, "name": "<b>shop</b> & co"},
             "alert": {**EVENTS["monitor.down"]["alert"], "message": 'bad "<html>" 5 > 3'}}
    text = telegram.render(event)["text"]
    assert "&lt;b&gt;shop&lt;/b&gt; &amp; co" in text
    assert 'bad "&lt;html&gt;" 5 &gt; 3' in text
    assert "<b>shop</b>" not in text


def test_a_test_alert_is_marked_and_never_pages_at_full_severity():
    test_event = {"id": "evt_test_1", "event": "test", "accountId": "acc_1", "test": True,
                  "monitor": {"id": "mon_test", "name": "Enori test monitor",
                              "url": "https://example.com", "type": "Website"},
                  "alert": alert("Test", "This is a test alert from Enori",
                                 "2026-03-24T14:30:00Z")}
    body = pagerduty.render(test_event, test=True)
    assert body["payload"]["severity"] == "info" and body["payload"]["summary"].startswith("[TEST]")
    assert opsgenie.render(test_event, test=True)["body"]["priority"] == "P5"
    assert telegram.render(test_event, test=True)["text"].startswith("<b>[TEST]")
    assert ntfy.render(test_event, test=True)["title"].startswith("[TEST]")


# --- against the stand-ins ------------------------------------------------------------------

@pytest.fixture
def standins(monkeypatch):
    stand = ProviderStandins().start()
    monkeypatch.setattr(providers, "settings",
                        dataclasses.replace(providers.settings,
                                            provider_urls=stand.provider_urls()))
    yield stand
    stand.stop()


def test_each_channel_delivers_to_its_stand_in(run_sender, standins):
    for channel, (module, config) in CONFIGS.items():
        outcome = run_sender(module.send, config, EVENTS["monitor.down"])
        assert outcome.status_code in (200, 202), channel
    assert set(standins.pagerduty) == set(standins.opsgenie) == {"inc_9f2c"}
    assert len(standins.telegram) == len(standins.ntfy) == 1
    assert standins.of("ntfy")[0].headers["Authorization"] == f"Bearer {NTFY_TOKEN}"


def test_nothing_to_send_is_delivered_without_a_request(run_sender, standins):
    outcome = run_sender(pagerduty.send, CONFIGS["PagerDuty"][1], EVENTS["incident.updated"])
    assert outcome.status_code is None and outcome.response_excerpt.startswith("nothing to send")
    assert standins.received == []


def failure(run_sender, module, config, event=None):
    with pytest.raises(DeliveryError) as caught:
        run_sender(module.send, config, event or EVENTS["monitor.down"])
    return caught.value


@pytest.mark.parametrize("module, config, status", [
    (pagerduty, {"routing_key": "X" * 32}, 400),                       # unknown integration key
    (opsgenie, {"api_key": "0000000000000000-wrong", "region": "US"}, 401),
    (telegram, {"bot_token": "987654321:" + "R" * 35, "chat_id": TELEGRAM_CHAT}, 401),
    (telegram, {"bot_token": TELEGRAM_TOKEN, "chat_id": "-100999"}, 400),   # chat not found
    (telegram, {"bot_token": TELEGRAM_TOKEN, "chat_id": TELEGRAM_BLOCKED_CHAT}, 403),
    (ntfy, {"topic": NTFY_PROTECTED_TOPIC, "priority": 4}, 403),
    (ntfy, {"topic": "enori-alerts", "priority": 4, "token": "tk_revoked000000000000"}, 401),
])
def test_revoked_keys_and_unknown_chats_are_permanent(run_sender, standins, module, config,
                                                      status):
    error = failure(run_sender, module, config)
    assert (error.permanent, error.status_code) == (True, status), error


@pytest.mark.parametrize("channel, answer", [
    ("PagerDuty", PAGERDUTY_THROTTLED), ("PagerDuty", PAGERDUTY_INVALID_EVENT),
    ("Opsgenie", OPSGENIE_THROTTLED), ("Telegram", TELEGRAM_THROTTLED), ("Ntfy", NTFY_THROTTLED),
    ("Telegram", (400, {"ok": False, "error_code": 400,
                        "description": "Bad Request: can't parse entities: Unclosed start tag"})),
    ("Opsgenie", (503, None)),
])
def test_throttling_and_our_own_mistakes_are_retried(run_sender, standins, channel, answer):
    module, config = CONFIGS[channel]
    standins.script(channel.lower(), answer)
    error = failure(run_sender, module, config)
    assert (error.permanent, error.status_code) == (False, answer[0]), error


def test_the_stand_in_refuses_unescaped_html_as_telegram_would(run_sender, standins):
    """What makes the escaping matter: the same text unescaped is a 400 from Telegram."""
    event = {**EVENTS["monitor.down"], "monitor": {**MONITOR, "name": "a < b & <c>"}}
    run_sender(telegram.send, CONFIGS["Telegram"][1], event)
    raw = dict(telegram.request(CONFIGS["Telegram"][1], event).body)
    raw["text"] = "<b>a < b & <c></b>"
    status, body = standins.handle(f"/telegram/bot{TELEGRAM_TOKEN}/sendMessage", {},
                                   json.dumps(raw).encode())
    assert status == 400 and "can't parse entities" in body["description"]


def test_log_lines_never_show_a_telegram_bot_token():
    from chalicelib.kernel.observability import redact_url

    url = telegram.request(CONFIGS["Telegram"][1], EVENTS["monitor.down"]).url
    assert TELEGRAM_TOKEN.split(":")[1] not in redact_url(url)
    assert redact_url(url) == "https://api.telegram.org/…/sendMessage"


@pytest.mark.parametrize("module, status, answer, final", [
    (pagerduty, 400, {"status": "invalid event", "message": "Event object is invalid",
                      "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)"]},
     True),
    (pagerduty, 400, {"status": "invalid event", "message": "Invalid Routing Key", "errors": []},
     True),
    (pagerduty, 400, PAGERDUTY_INVALID_EVENT[1], False),          # our payload: a fix may help
    (pagerduty, 429, {"message": "routing key throttled"}, False),  # only a 400 is read
    (telegram, 400, {"ok": False, "description": "Bad Request: group chat was upgraded to a "
                                                 "supergroup chat"}, True),
    (telegram, 400, {"ok": False, "description": "Bad Request: message is too long"}, False),
    (telegram, 400, {}, False),                                     # not JSON: a proxy's page
])
def test_the_answer_hook_finds_what_no_retry_can_fix(module, status, answer, final):
    assert module.permanent_answer(status, answer) is final


def test_one_setting_points_the_paging_roots_elsewhere():
    """ENORI_PROVIDER_URLS, as for Pushover and Twilio; a per-provider variable means nothing."""
    from chalicelib.kernel.settings import PROVIDER_URLS, load_settings

    loaded = load_settings({"ENORI_PROVIDER_URLS": "pagerduty=http://127.0.0.1:9001/, "
                                                   "opsgenie_eu=http://127.0.0.1:9002"})
    assert loaded.provider_urls == {**PROVIDER_URLS, "pagerduty": "http://127.0.0.1:9001",
                                    "opsgenie_eu": "http://127.0.0.1:9002"}
    assert load_settings({"ENORI_PAGERDUTY_URL": "http://127.0.0.1:9001",
                          "ENORI_NTFY_URL": "http://127.0.0.1:9003"}).provider_urls == PROVIDER_URLS
