import base64
import hashlib
import hmac
import json
import socket

import pytest

from chalicelib.channels.kinds import webhook
from chalicelib.channels.kinds.base import EXCERPT_CHARS, DeliveryError
from chalicelib.kernel.netguard import OutboundGuard

SPEC_DOWN = {
    "event": "monitor.down",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "Down", "message": "HTTP 503 Service Unavailable",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": 5230},
}
SPEC_UP = {
    "event": "monitor.up",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "Recovered", "message": "HTTP 200 OK",
              "timestamp": "2026-03-24T14:45:00Z", "responseTimeMs": 120},
}
SPEC_INCIDENT_CREATED = {
    "event": "incident.created",
    "monitor": {"id": "mon_abc123", "name": "Production API", "url": "https://api.example.com",
                "type": "Website"},
    "alert": {"type": "IncidentCreated", "message": "Production API is down",
              "timestamp": "2026-03-24T14:30:00Z", "responseTimeMs": None},
    "incident": {"id": "inc_1", "title": "Production API is down", "status": "Open",
                 "severity": None, "cause": "HTTP 503 Service Unavailable",
                 "monitorId": "mon_abc123", "monitorName": "Production API",
                 "startedAt": "2026-03-24T14:30:00Z", "acknowledgedAt": None,
                 "resolvedAt": None, "durationSeconds": 0},
}
# Standard Webhooks' published test vector (standard-webhooks/standard-webhooks, and svix).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID, VECTOR_TIMESTAMP = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize("name, expected", [
    ("monitor.down", SPEC_DOWN),
    ("monitor.up", SPEC_UP),
    ("incident.created", SPEC_INCIDENT_CREATED),
])
def test_it_renders_exactly_the_spec_payload(events, name, expected):
    assert webhook.render(events[name]) == expected


def test_it_leaves_out_the_monitor_of_an_incident_without_one(events):
    event = {**events["incident.created"], "monitor": None}
    assert "monitor" not in webhook.render(event)


def test_it_marks_a_test_delivery(events):
    payload = webhook.render(events["monitor.down"], test=True)
    assert payload["test"] is True
    assert payload["alert"]["message"].startswith("[TEST] This is a test alert from Enori")


def test_a_test_alert_has_its_own_event_name():
    from chalicelib.notify import delivery

    channel = type("Channel", (), {"account_id": "acc_1"})()
    payload = webhook.render(delivery.test_event(channel, "2026-03-24T14:30:00Z", "n1"),
                             test=True)
    assert payload["event"] == "test" and payload["test"] is True
    assert set(payload) == {"event", "monitor", "alert", "test"}


def test_it_posts_the_payload_with_its_headers(run_sender, receiver, events):
    outcome = run_sender(webhook.send, {"webhook_url": f"{receiver.url}/hook"},
                         events["monitor.down"], delivery_id="msg_abc")
    assert (outcome.status_code, outcome.response_excerpt) == (200, "ok")
    [request] = receiver.requests
    assert json.loads(request.body) == SPEC_DOWN
    assert request.headers["User-Agent"] == "Enori-Webhook/1.0"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["webhook-id"] == "msg_abc"
    assert request.headers["webhook-timestamp"] == "1774362605"   # the injected clock
    assert "webhook-signature" not in request.headers


def test_it_keeps_the_delivery_id_across_attempts(run_sender, receiver, events):
    for attempt in (1, 2):
        run_sender(webhook.send, {"webhook_url": receiver.url}, events["monitor.down"],
                   attempt=attempt, delivery_id="msg_same")
    assert [r.headers["webhook-id"] for r in receiver.requests] == ["msg_same", "msg_same"]


def test_extra_headers_cannot_override_reserved_ones(run_sender, receiver, events):
    headers = {"User-Agent": "evil/1.0", "content-type": "text/plain", "Webhook-Id": "forged",
               "webhook-signature": "v1,forged", "X-Token": "t0k"}
    run_sender(webhook.send, {"webhook_url": receiver.url, "headers": headers},
               events["monitor.down"], delivery_id="msg_real")
    [request] = receiver.requests
    lowered = {k.lower(): v for k, v in request.headers.items()}
    assert lowered["user-agent"] == "Enori-Webhook/1.0"
    assert lowered["content-type"] == "application/json"
    assert lowered["webhook-id"] == "msg_real"
    assert "webhook-signature" not in lowered
    assert lowered["x-token"] == "t0k"


def test_it_signs_the_standard_webhooks_reference_vector():
    assert webhook.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_it_signs_like_an_independent_hmac():
    secret, body = "plain-secret-not-base64", b'{"event":"monitor.down"}'
    digest = hmac.new(secret.encode(), b"msg_1.1774362605." + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    assert webhook.sign(secret, "msg_1", 1774362605, body) == expected


def test_verify_signature_accepts_the_reference_vector_and_refuses_tampering():
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TIMESTAMP),
               "webhook-signature": VECTOR_SIGNATURE}
    assert webhook.verify_signature(VECTOR_SECRET, headers, VECTOR_BODY)
    assert webhook.verify_signature(VECTOR_SECRET, headers, VECTOR_BODY.decode(),
                                    now=VECTOR_TIMESTAMP + 60)
    assert not webhook.verify_signature(VECTOR_SECRET, headers, b'{"test": 2432232315}')
    assert not webhook.verify_signature("whsec_" + base64.b64encode(b"other").decode(),
                                        headers, VECTOR_BODY)
    assert not webhook.verify_signature(VECTOR_SECRET, headers, VECTOR_BODY,
                                        now=VECTOR_TIMESTAMP + 301)
    assert not webhook.verify_signature(VECTOR_SECRET, {**headers, "webhook-id": "msg_x"},
                                        VECTOR_BODY)


def test_verify_signature_accepts_one_of_several_signatures():
    headers = {"Webhook-Id": VECTOR_ID, "Webhook-Timestamp": str(VECTOR_TIMESTAMP),
               "Webhook-Signature": f"v1,bm90LWl0 {VECTOR_SIGNATURE}"}
    assert webhook.verify_signature(VECTOR_SECRET, headers, VECTOR_BODY)


def test_a_signed_delivery_verifies_at_the_receiver(run_sender, receiver, events):
    config = {"webhook_url": receiver.url, "secret": VECTOR_SECRET}
    run_sender(webhook.send, config, events["monitor.down"], delivery_id="msg_signed")
    [request] = receiver.requests
    assert request.headers["webhook-signature"].startswith("v1,")
    assert webhook.verify_signature(VECTOR_SECRET, request.headers, request.body,
                                    now=1774362605)
    assert not webhook.verify_signature(VECTOR_SECRET, request.headers, request.body + b" ")


@pytest.mark.parametrize("status, permanent", [
    (500, False), (503, False), (429, False), (400, False), (404, False), (301, False),
    (410, True),
])
def test_it_classifies_a_non_2xx_answer(run_sender, receiver, events, status, permanent):
    with pytest.raises(DeliveryError) as error:
        run_sender(webhook.send, {"webhook_url": f"{receiver.url}/status/{status}"},
                   events["monitor.down"])
    assert (error.value.status_code, error.value.permanent) == (status, permanent)
    assert error.value.message.startswith(f"HTTP {status} ")


def test_a_receiver_that_never_answers_is_a_transient_timeout(run_sender, receiver, events):
    with pytest.raises(DeliveryError) as error:
        run_sender(webhook.send, {"webhook_url": f"{receiver.url}/hang"}, events["monitor.down"],
                   timeout=0.3)
    assert (error.value.permanent, error.value.status_code) == (False, None)
    assert error.value.message == "timed out after 0.3 s"


def test_a_refused_connection_is_transient(run_sender, events):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError) as error:
        run_sender(webhook.send, {"webhook_url": f"http://127.0.0.1:{port}/"},
                   events["monitor.down"])
    assert error.value.permanent is False
    assert error.value.message.startswith("connection failed")


def test_a_blocked_url_is_permanent_with_the_default_guard(run_sender, receiver, events):
    with pytest.raises(DeliveryError) as error:
        run_sender(webhook.send, {"webhook_url": receiver.url}, events["monitor.down"],
                   guard=OutboundGuard())
    assert error.value.permanent is True
    assert "blocked" in error.value.message
    assert receiver.requests == []


def test_it_stops_reading_an_endless_answer_at_the_cap(run_sender, receiver, events):
    outcome = run_sender(webhook.send, {"webhook_url": f"{receiver.url}/endless"},
                         events["monitor.down"], timeout=5)
    assert outcome.status_code == 200
    assert outcome.response_excerpt == "x" * EXCERPT_CHARS
    # The body never ends: reading it all would have hit the 5 s deadline instead.
    assert receiver.server.sent < 64 * 1024 * 1024
