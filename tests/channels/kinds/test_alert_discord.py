import json

import pytest

from chalicelib.channels.kinds import discord
from chalicelib.channels.kinds.base import DeliveryError

RED, GREEN = 0xD92D20, 0x12B76A


def embed(title, description, colour, status, time, timestamp, url):
    return {"username": "Enori", "allowed_mentions": {"parse": []}, "embeds": [{
        "title": title, "description": description, "color": colour,
        "fields": [
            {"name": "Status", "value": status, "inline": True},
            {"name": "Monitor", "value": "Production API", "inline": True},
            {"name": "Cause", "value": description, "inline": True},
            {"name": "Time", "value": time, "inline": True},
        ],
        "timestamp": timestamp, "url": url,
    }]}


DOWN = embed("🔴 Production API is down", "HTTP 503 Service Unavailable", RED, "Down",
             "2026-03-24 14:30:00 UTC", "2026-03-24T14:30:00Z",
             "https://enori.example/monitors/mon_abc123")
UP = embed("✅ Production API is up again", "HTTP 200 OK", GREEN, "Up",
           "2026-03-24 14:45:00 UTC", "2026-03-24T14:45:00Z",
           "https://enori.example/monitors/mon_abc123")
INCIDENT_CREATED = embed("🚨 Incident opened: Production API is down",
                         "HTTP 503 Service Unavailable", RED, "Open", "2026-03-24 14:30:00 UTC",
                         "2026-03-24T14:30:00Z", "https://enori.example/incidents/inc_1")


@pytest.mark.parametrize("name, expected", [
    ("monitor.down", DOWN), ("monitor.up", UP), ("incident.created", INCIDENT_CREATED),
])
def test_it_renders_the_embed(events, name, expected):
    assert discord.render(events[name]) == expected


def test_it_marks_a_test_message(events):
    [embed_] = discord.render(events["monitor.down"], test=True)["embeds"]
    assert embed_["title"] == "[TEST] 🔴 Production API is down"
    assert embed_["description"] == ("[TEST] This is a test alert from Enori\n"
                                     "HTTP 503 Service Unavailable")


def test_it_posts_the_message(run_sender, receiver, events):
    outcome = run_sender(discord.send, {"webhook_url": f"{receiver.url}/api/webhooks/1/t"},
                         events["monitor.up"])
    assert outcome.status_code == 200
    [request] = receiver.requests
    assert json.loads(request.body) == UP


@pytest.mark.parametrize("status, permanent", [
    (404, True), (401, True), (403, True), (410, True), (400, False), (429, False), (502, False),
])
def test_it_classifies_failures(run_sender, receiver, events, status, permanent):
    with pytest.raises(DeliveryError) as error:
        run_sender(discord.send, {"webhook_url": f"{receiver.url}/status/{status}"},
                   events["monitor.down"])
    assert (error.value.status_code, error.value.permanent) == (status, permanent)
