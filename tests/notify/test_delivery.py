"""Alert delivery on moto with a real local webhook receiver: routing, records, the retry
schedule on an injected clock, permanent failures and duplicates."""
import json

import pytest



@pytest.fixture
def retries(monkeypatch):
    """Retry messages the delivery queues (SQS delays are real time in moto)."""
    from chalicelib.notify import delivery

    sent = []
    monkeypatch.setattr(delivery, "send_retry_message", lambda message, now: sent.append(message))
    return sent


def setup_monitor(api, url):
    channel = api.post("/api/alert-channels", {"name": "hook", "type": "Webhook", "webhookUrl": url})
    assert channel.status_code == 201, channel.json
    monitor = api.post("/api/monitors", {"name": "Production API", "type": "Website",
                                         "url": "https://api.example.com",
                                         "alertChannelIds": [channel.json["id"]]}).json
    return monitor, channel.json


def down_event(api, monitor, event_id="evt_1"):
    from chalicelib.storage.accounts import get_account  # noqa: F401

    account_id = api.get("/api/account").json["id"]
    return {"id": event_id, "event": "monitor.down", "accountId": account_id,
            "monitor": {"id": monitor["id"], "name": "Production API",
                        "url": "https://api.example.com", "type": "Website"},
            "alert": {"type": "Down", "message": "HTTP 503 Service Unavailable",
                      "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": 5230}}


def alerts(api):
    return api.get("/api/alerts").json["items"]


def test_a_down_event_reaches_the_webhook_with_the_spec_payload(api, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver()
    monitor, _ = setup_monitor(api, hook.url)
    delivery.deliver_event(down_event(api, monitor))
    [(headers, body)] = hook.received
    payload = json.loads(body)
    assert headers["User-Agent"] == "Enori-Webhook/1.0"
    assert payload == {"event": "monitor.down",
                       "monitor": {"id": monitor["id"], "name": "Production API",
                                   "url": "https://api.example.com", "type": "Website"},
                       "alert": {"type": "Down", "message": "HTTP 503 Service Unavailable",
                                 "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": 5230}}
    [record] = alerts(api)
    assert (record["status"], record["attempts"], record["responseCode"]) == ("Delivered", 1, 200)


def test_a_down_events_record_names_the_incident_it_opened(api, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    monitor, _ = setup_monitor(api, receiver().url)
    delivery.deliver_event({**down_event(api, monitor), "incidentId": "inc_outage1"})
    [record] = alerts(api)
    assert record["incidentId"] == "inc_outage1"
    assert api.get("/api/alerts?type=Down").json["items"][0]["incidentId"] == "inc_outage1"


def test_a_duplicate_event_sends_nothing_new(api, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver()
    monitor, _ = setup_monitor(api, hook.url)
    delivery.deliver_event(down_event(api, monitor))
    delivery.deliver_event(down_event(api, monitor))
    assert len(hook.received) == 1
    assert len(alerts(api)) == 1


def test_it_retries_after_30s_5m_30m_then_fails(api, clock, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver(500, 500, 500, 500)
    monitor, _ = setup_monitor(api, hook.url)
    start = clock.time()
    delivery.deliver_event(down_event(api, monitor))
    waits = []
    for _ in range(3):
        message = retries[-1]
        waits.append(round(message.not_before - clock.time()))
        if waits[-1] > 900:  # beyond SQS's longest delay: it arrives early and is chained
            clock.advance(900)
            sent_before, received_before = len(retries), len(hook.received)
            delivery.handle_retry_message(json.dumps(message.__dict__))
            assert len(retries) == sent_before + 1 and len(hook.received) == received_before
        clock.advance(message.not_before - clock.time())
        delivery.handle_retry_message(json.dumps(message.__dict__))
    assert waits == [30, 300, 1800]
    assert len(hook.received) == 4
    [record] = alerts(api)
    assert record["status"] == "Failed" and record["attempts"] == 4
    assert [h["statusCode"] for h in record["history"]] == [500, 500, 500, 500]
    assert clock.time() - start == 30 + 300 + 1800


def test_it_records_three_attempts_for_500_500_200(api, clock, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver(500, 500)
    monitor, _ = setup_monitor(api, hook.url)
    delivery.deliver_event(down_event(api, monitor))
    for _ in range(2):
        clock.advance(retries[-1].not_before - clock.time())
        delivery.handle_retry_message(json.dumps(retries[-1].__dict__))
    [record] = alerts(api)
    assert record["status"] == "Delivered" and record["attempts"] == 3
    assert [h["ok"] for h in record["history"]] == [False, False, True]


def test_a_permanent_failure_stops_at_once(api, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver(410)
    monitor, _ = setup_monitor(api, hook.url)
    delivery.deliver_event(down_event(api, monitor))
    [record] = alerts(api)
    assert record["status"] == "Failed" and record["permanentFailure"]
    assert "permanent" in record["lastError"]
    assert retries == []


def test_a_retry_message_delivered_twice_sends_once(api, clock, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver(500)
    monitor, _ = setup_monitor(api, hook.url)
    delivery.deliver_event(down_event(api, monitor))
    clock.advance(30)
    body = json.dumps(retries[-1].__dict__)
    delivery.handle_retry_message(body)
    delivery.handle_retry_message(body)
    assert len(hook.received) == 2


def test_the_sweeper_sends_a_retry_the_queue_lost(api, clock, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver(500)
    monitor, _ = setup_monitor(api, hook.url)
    delivery.deliver_event(down_event(api, monitor))
    retries.clear()                        # as if the local stack restarted and lost the queue
    clock.advance(30 + 61)
    assert delivery.sweep_due(clock.time()) == 1
    assert len(hook.received) == 2
    assert alerts(api)[0]["status"] == "Delivered"


def test_alert_on_down_false_sends_nothing(api, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver()
    monitor, channel = setup_monitor(api, hook.url)
    api.put(f"/api/monitors/{monitor['id']}", {"name": "Production API", "type": "Website",
                                               "url": "https://api.example.com",
                                               "alertOnDown": False,
                                               "alertChannelIds": [channel["id"]]})
    delivery.deliver_event(down_event(api, monitor))
    assert hook.received == []


def test_a_test_alert_goes_through_the_real_path_and_answers_the_outcome(api, private_ok, receiver):
    hook = receiver()
    _, channel = setup_monitor(api, hook.url)
    response = api.post(f"/api/alert-channels/{channel['id']}/test")
    assert response.status_code == 200
    assert response.json["status"] == "Delivered" and response.json["test"] is True
    [payload] = hook.payloads()
    # Its own event name: a receiver that switches on `event` never takes it for an outage.
    assert payload["event"] == "test" and payload["test"] is True
    assert payload["monitor"]["type"] == "Website" and payload["alert"]["type"] == "Test"
    [record] = alerts(api)
    assert (record["event"], record["type"]) == ("test", "Test")


def test_a_failing_test_alert_says_so_without_retrying(api, private_ok, receiver):
    hook = receiver(500)
    _, channel = setup_monitor(api, hook.url)
    response = api.post(f"/api/alert-channels/{channel['id']}/test")
    assert response.json["status"] == "Failed" and response.json["responseCode"] == 500


def test_alert_records_filter_by_status_and_monitor(api, private_ok, receiver, retries):
    from chalicelib.notify import delivery

    hook = receiver(410)
    monitor, _ = setup_monitor(api, hook.url)
    delivery.deliver_event(down_event(api, monitor))
    assert len(api.get("/api/alerts?status=failed").json["items"]) == 1
    assert api.get("/api/alerts?status=Delivered").json["items"] == []
    for kind in ("Down", "down", "monitor.down"):   # the alert's type or its event, any case
        assert len(api.get(f"/api/alerts?monitorId={monitor['id']}&type={kind}")
                   .json["items"]) == 1
    assert api.get("/api/alerts?type=Recovered").json["items"] == []
    assert api.get("/api/alerts?status=nope").status_code == 400
