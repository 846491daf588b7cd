"""E14: every mail builder writes user text (page names, incident titles, monitor names) into
headers as literal text; tests/channels/kinds/test_alert_email.py covers the alert email."""
from types import SimpleNamespace

from mailcheck import HOSTILE, assert_ours

from chalicelib.reports import rendering as report_rendering
from chalicelib.status_pages import subscriptions

PAGE = SimpleNamespace(name=HOSTILE, slug="acme")
SUBSCRIBER = SimpleNamespace(nonce="bm9uY2Vub25jZQ", email="visitor@example.com")


def _sent(message):
    message["From"], message["To"] = "status@enori.example", SUBSCRIBER.email
    return message.as_bytes()


def test_the_confirmation_mail_keeps_a_hostile_page_name_literal():
    message = subscriptions.confirmation_email(PAGE, SUBSCRIBER)
    assert_ours(_sent(message), f"Confirm your subscription to {HOSTILE} status",
                [f"from the {HOSTILE} status page", "Confirm your subscription: "])


def test_an_incident_notice_keeps_a_hostile_page_name_and_title_literal():
    incident = {"title": f"{HOSTILE} is down", "status": "Investigating"}
    update = {"status": "Identified", "message": HOSTILE}
    message = subscriptions.notification_email(PAGE, SUBSCRIBER, incident, update)
    assert_ours(_sent(message), f"[{HOSTILE}] {HOSTILE} is down: Identified",
                [f"{HOSTILE} is down — Identified", "Unsubscribe: "])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_monthly_report_mail_keeps_a_hostile_monitor_name_literal():
    report = {"month": "2026-03", "totals": {"monitors": 1, "uptimePercentage": 99.5},
              "monitors": [{"name": HOSTILE, "uptimePercentage": 99.5, "incidents": 1}]}
    message = report_rendering.email_message(report)
    assert_ours(_sent(message), "[Enori] Monthly report 2026-03", [f"- {HOSTILE}: 99.5 % up"])
