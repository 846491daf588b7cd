"""E14 on the real local stack: hostile names reach every mail Enori sends (alert, subscription
confirmation, incident notice, monthly report) through a real SMTP server, which receives only
our headers and our bodies; and the stack's log output of checks, deliveries and pings holds no
secret from a URL."""
import re
import time
import urllib.request
from datetime import datetime, timezone

import pytest

from conftest import LocalStack, create, wait_until
from mailcheck import HOSTILE, assert_ours
from targets import HttpTarget, SmtpSink, WebhookReceiver

QUERY_SECRET = "qs3cr3tQUERYvalue"
PATH_TOKEN = "Tk9pAthT0kenXyZ12345678"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    target, hook, smtp = HttpTarget().start(), WebhookReceiver(), SmtpSink()
    stack = LocalStack(tmp_path_factory.mktemp("e14") / "data",
                       env={"ENORI_SMTP_URL": smtp.url}).start()
    yield stack, target, hook, smtp
    stack.stop()
    for thing in (target, hook, smtp):
        thing.stop()


def check_now(stack, monitor_id):
    time.sleep(1.1)  # each check-now is its own slot (whole seconds)
    assert stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)[0] == 202


def mail_to(smtp, address, subject_start):
    """The raw bytes and subject of the first mail to `address` whose subject starts so."""
    for (recipients, raw), subject in zip(smtp.messages, subjects(smtp)):
        if address in recipients and subject.startswith(subject_start):
            return raw, subject
    return None


def subjects(smtp):
    from email import message_from_bytes, policy

    return [message_from_bytes(raw, policy=policy.default)["Subject"] for _, raw in smtp.messages]


def test_hostile_names_reach_every_mail_as_literal_text(world):
    stack, target, _, smtp = world
    dead = HttpTarget().start()
    dead_url = dead.url
    dead.stop()                       # a port nothing listens on: that monitor goes down
    channel = create(stack, "/api/alert-channels", {"name": "mail", "type": "Email",
                                                    "addresses": ["ops@example.com"]})
    up = create(stack, "/api/monitors", {"name": f"Web {HOSTILE}", "type": "Website",
                                         "url": target.url, "regions": ["UsEast"]})
    down = create(stack, "/api/monitors", {
        "name": HOSTILE, "type": "Website", "url": dead_url, "failureThreshold": 1,
        "regions": ["UsEast"], "alertChannelIds": [channel["id"]]})

    # Alert.
    check_now(stack, down["id"])
    assert wait_until(lambda: mail_to(smtp, "ops@example.com", "[Enori]"), 60), stack.output[-3000:]
    raw, _ = mail_to(smtp, "ops@example.com", "[Enori]")
    assert_ours(raw, f"[Enori] {HOSTILE} is down", [f"Monitor: {HOSTILE}"])

    # Confirmation, through the public unauthenticated endpoint.
    create(stack, "/api/status-pages", {"name": HOSTILE, "slug": "e14-page",
                                        "components": [{"monitorId": up["id"]}]})
    answer, _ = stack.request("POST", "/api/public/status-pages/e14-page/subscribe",
                              body={"email": "visitor@example.com"})
    assert answer == 202
    assert wait_until(lambda: mail_to(smtp, "visitor@example.com", "Confirm"), 30)
    raw, _ = mail_to(smtp, "visitor@example.com", "Confirm")
    message = assert_ours(raw, f"Confirm your subscription to {HOSTILE} status",
                          [f"from the {HOSTILE} status page"])
    link = re.search(r"http://127\.0\.0\.1:\d+/api/public/subscriptions/[^/\s]+/confirm",
                     message.get_body(("plain",)).get_content()).group(0)
    with urllib.request.urlopen(link, timeout=30) as confirmed:
        assert confirmed.status == 200

    # Incident notice: a page and an incident title both hostile.
    create(stack, "/api/incidents", {"title": HOSTILE, "monitorId": up["id"]})
    assert wait_until(lambda: mail_to(smtp, "visitor@example.com", f"[{HOSTILE}] "), 60), \
        stack.output[-3000:]
    raw, subject = mail_to(smtp, "visitor@example.com", f"[{HOSTILE}] ")
    assert subject.startswith(f"[{HOSTILE}] {HOSTILE}: ")
    assert_ours(raw, subject, [f"{HOSTILE} — ", "Current status: "])

    # Monthly report, with the hostile monitor names in its rows.
    create(stack, "/api/teams", {"name": "ops", "members": [{"email": "owner@example.com",
                                                             "role": "Owner"}]})
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    create(stack, "/api/reports", {"month": month, "email": True})
    assert wait_until(lambda: mail_to(smtp, "owner@example.com", "[Enori] Monthly report"), 30)
    raw, _ = mail_to(smtp, "owner@example.com", "[Enori] Monthly report")
    assert_ours(raw, f"[Enori] Monthly report {month}", [f"- {HOSTILE}: "])


def test_checks_deliveries_and_pings_log_no_secret(world):
    stack, target, hook, _ = world
    base = hook.url.rsplit("/", 1)[0]
    monitor = create(stack, "/api/monitors", {
        "name": "with a key", "type": "Website", "url": f"{target.url}?apikey={QUERY_SECRET}",
        "regions": ["UsEast"]})
    channels = [create(stack, "/api/alert-channels", body) for body in (
        {"name": "slack", "type": "Slack", "webhookUrl": f"{base}/services/T1/B1/{PATH_TOKEN}"},
        {"name": "hook", "type": "Webhook", "webhookUrl": f"{hook.url}?token={QUERY_SECRET}"})]
    job = create(stack, "/api/monitors", {"name": "job", "type": "Job", "periodSeconds": 3600,
                                          "gracePeriodSeconds": 60})
    check_now(stack, monitor["id"])
    for channel in channels:
        answer, record = stack.request("POST", f"/api/alert-channels/{channel['id']}/test",
                                       key=stack.key)
        assert answer == 200 and record["status"] == "Delivered", record
    assert stack.request("GET", f"/ping/{job['pingToken']}?msg={QUERY_SECRET}")[0] == 200
    assert wait_until(lambda: stack.request("GET", f"/api/monitors/{monitor['id']}",
                                            key=stack.key)[1]["status"] == "Up", 60)
    assert len(hook.received) == 2                      # both deliveries really went out
    time.sleep(1)                                       # let the last lines reach the output
    output = stack.output
    assert "/ping/…?msg=…" in output                     # the request line, redacted
    for secret in (QUERY_SECRET, PATH_TOKEN, job["pingToken"]):
        assert secret not in output, [line for line in output.splitlines() if secret in line]
