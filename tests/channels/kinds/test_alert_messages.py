import pytest

from chalicelib.channels import messages


def monitor_event(kind, message="HTTP 503 Service Unavailable"):
    return {"event": kind, "monitor": {"id": "mon_1", "name": "Production API"},
            "alert": {"type": "x", "message": message, "timestamp": "2026-03-24T14:30:00Z"}}


@pytest.mark.parametrize("kind, title, colour, status", [
    ("monitor.down", "🔴 Production API is down", "#D92D20", "Down"),
    ("monitor.up", "✅ Production API is up again", "#12B76A", "Up"),
    ("monitor.degraded", "⚠️ Production API is degraded", "#F79009", "Degraded"),
    ("monitor.ssl_expiring", "🔒 SSL certificate expiring for Production API", "#F79009",
     "SSL expiring"),
    ("test", "🧪 Test alert for Production API", "#667085", "Test"),
    ("monitor.something_new", "ℹ️ Production API: monitor.something_new", "#667085", "x"),
])
def test_it_words_each_monitor_event(kind, title, colour, status):
    summary = messages.summarize(monitor_event(kind))
    assert (summary.title, summary.colour, summary.status) == (title, colour, status)
    assert summary.link == "https://enori.example/monitors/mon_1"


def test_it_words_a_resolved_incident(events):
    incident = {**events["incident.created"]["incident"], "status": "Resolved",
                "resolvedAt": "2026-03-24T15:00:00Z"}
    summary = messages.summarize({"event": "incident.resolved", "incident": incident})
    assert summary.title == "✅ Incident resolved: Production API is down"
    assert summary.facts()[3] == ("Time", "2026-03-24 15:00:00 UTC")
    assert (summary.link, summary.link_label) == (
        "https://enori.example/incidents/inc_1", "View incident")


def test_a_test_summary_carries_the_notice_once():
    summary = messages.summarize(monitor_event("monitor.down", "This is a test alert from Enori"),
                                 test=True)
    assert summary.title == "[TEST] 🔴 Production API is down"
    assert summary.description == "[TEST] This is a test alert from Enori"


def test_missing_facts_read_as_a_dash():
    summary = messages.summarize({"event": "monitor.down", "monitor": {"name": "API"}})
    assert summary.facts() == [("Status", "Down"), ("Monitor", "API"), ("Cause", "—"),
                               ("Time", "—")]
    assert summary.link is None
