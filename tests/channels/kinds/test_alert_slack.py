import json

import pytest

from chalicelib.channels.kinds import slack
from chalicelib.channels.kinds.base import DeliveryError


def fields(status, cause, time):
    return {"type": "section", "fields": [
        {"type": "mrkdwn", "text": f"*Status*\n{status}"},
        {"type": "mrkdwn", "text": "*Monitor*\nProduction API"},
        {"type": "mrkdwn", "text": f"*Cause*\n{cause}"},
        {"type": "mrkdwn", "text": f"*Time*\n{time}"},
    ]}


DOWN = {
    "text": "🔴 Production API is down",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "🔴 Production API is down",
                                    "emoji": True}},
        fields("Down", "HTTP 503 Service Unavailable", "2026-03-24 14:30:00 UTC"),
        {"type": "section", "text": {
            "type": "mrkdwn", "text": "<https://enori.example/monitors/mon_abc123|View monitor>"}},
    ],
    "attachments": [{"color": "#D92D20", "fallback": "🔴 Production API is down", "footer": "Enori",
                     "ts": 1774362600}],
}
UP = {
    "text": "✅ Production API is up again",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "✅ Production API is up again",
                                    "emoji": True}},
        fields("Up", "HTTP 200 OK", "2026-03-24 14:45:00 UTC"),
        {"type": "section", "text": {
            "type": "mrkdwn", "text": "<https://enori.example/monitors/mon_abc123|View monitor>"}},
    ],
    "attachments": [{"color": "#12B76A", "fallback": "✅ Production API is up again",
                     "footer": "Enori", "ts": 1774363500}],
}
INCIDENT_CREATED = {
    "text": "🚨 Incident opened: Production API is down",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": "🚨 Incident opened: Production API is down",
                                    "emoji": True}},
        fields("Open", "HTTP 503 Service Unavailable", "2026-03-24 14:30:00 UTC"),
        {"type": "section", "text": {
            "type": "mrkdwn", "text": "<https://enori.example/incidents/inc_1|View incident>"}},
    ],
    "attachments": [{"color": "#D92D20", "fallback": "🚨 Incident opened: Production API is down",
                     "footer": "Enori", "ts": 1774362600}],
}


@pytest.mark.parametrize("name, expected", [
    ("monitor.down", DOWN), ("monitor.up", UP), ("incident.created", INCIDENT_CREATED),
])
def test_it_renders_the_message(events, name, expected):
    assert slack.render(events[name]) == expected


def test_it_marks_a_test_message(events):
    message = slack.render(events["monitor.down"], test=True)
    assert message["text"] == "[TEST] 🔴 Production API is down"
    assert message["blocks"][1]["text"]["text"].startswith("*[TEST] This is a test alert from Enori")


def test_it_escapes_mrkdwn_in_user_text(events):
    event = {**events["monitor.down"],
             "monitor": {**events["monitor.down"]["monitor"], "name": "<!channel> & co"}}
    facts = slack.render(event)["blocks"][1]["fields"]
    assert facts[1]["text"] == "*Monitor*\n&lt;!channel&gt; &amp; co"


def test_it_posts_the_message(run_sender, receiver, events):
    outcome = run_sender(slack.send, {"webhook_url": f"{receiver.url}/services/T0/B0/x"},
                         events["monitor.down"])
    assert outcome.status_code == 200
    [request] = receiver.requests
    assert request.path == "/services/T0/B0/x"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == DOWN


@pytest.mark.parametrize("status, permanent", [
    (404, True), (410, True), (403, True), (401, True),
    (400, False), (429, False), (500, False), (503, False),
])
def test_it_classifies_failures(run_sender, receiver, events, status, permanent):
    with pytest.raises(DeliveryError) as error:
        run_sender(slack.send, {"webhook_url": f"{receiver.url}/status/{status}"},
                   events["monitor.down"])
    assert (error.value.status_code, error.value.permanent) == (status, permanent)
