import json

import pytest

from chalicelib.channels.kinds import msteams as teams
from chalicelib.channels.kinds.base import DeliveryError


def card(title, colour, cause, status, time, link, label):
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard", "version": "1.4",
            "body": [
                {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium",
                 "color": colour, "wrap": True},
                {"type": "TextBlock", "text": cause, "wrap": True},
                {"type": "FactSet", "facts": [
                    {"title": "Status", "value": status},
                    {"title": "Monitor", "value": "Production API"},
                    {"title": "Cause", "value": cause},
                    {"title": "Time", "value": time},
                ]},
            ],
            "msteams": {"width": "Full"},
            "actions": [{"type": "Action.OpenUrl", "title": label, "url": link}],
        },
    }]}


DOWN = card("🔴 Production API is down", "Attention", "HTTP 503 Service Unavailable", "Down",
            "2026-03-24 14:30:00 UTC", "https://enori.example/monitors/mon_abc123",
            "View monitor")
UP = card("✅ Production API is up again", "Good", "HTTP 200 OK", "Up", "2026-03-24 14:45:00 UTC",
          "https://enori.example/monitors/mon_abc123", "View monitor")
INCIDENT_CREATED = card("🚨 Incident opened: Production API is down", "Attention",
                        "HTTP 503 Service Unavailable", "Open", "2026-03-24 14:30:00 UTC",
                        "https://enori.example/incidents/inc_1", "View incident")


@pytest.mark.parametrize("name, expected", [
    ("monitor.down", DOWN), ("monitor.up", UP), ("incident.created", INCIDENT_CREATED),
])
def test_it_renders_the_card(events, name, expected):
    assert teams.render(events[name]) == expected


def test_it_marks_a_test_message(events):
    body = teams.render(events["monitor.down"], test=True)["attachments"][0]["content"]["body"]
    assert body[0]["text"] == "[TEST] 🔴 Production API is down"
    assert body[1]["text"].startswith("[TEST] This is a test alert from Enori")


def test_it_posts_the_card(run_sender, receiver, events):
    outcome = run_sender(teams.send, {"webhook_url": f"{receiver.url}/workflows/1"},
                         events["incident.created"])
    assert outcome.status_code == 200
    [request] = receiver.requests
    assert json.loads(request.body) == INCIDENT_CREATED


@pytest.mark.parametrize("status, permanent", [
    (404, True), (410, True), (401, True), (403, True), (400, False), (429, False), (500, False),
])
def test_it_classifies_failures(run_sender, receiver, events, status, permanent):
    with pytest.raises(DeliveryError) as error:
        run_sender(teams.send, {"webhook_url": f"{receiver.url}/status/{status}"},
                   events["monitor.down"])
    assert (error.value.status_code, error.value.permanent) == (status, permanent)
