"""Issue E13 on the real local stack, one test per point: an incident update's status moves the
incident in the API as on the status page (Resolved resolves it, once) and only public updates
reach the page and its subscribers; the headline never hides an outage behind a maintenance
window, nor doubles "status"; webhook payloads are complete (an incident's monitor url and type,
a test alert's own event name, the incident a monitor.down opened on its alert record)."""
import re
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from conftest import LocalStack, create, get, wait_until
from targets import HttpTarget, SmtpSink, WebhookReceiver

INCIDENT_EVENTS = ["incident.created", "incident.resolved"]
SECRET = "db-3 at 10.9.8.7 is out of disk"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    smtp = SmtpSink()
    stack = LocalStack(tmp_path_factory.mktemp("e13") / "data",
                       env={"ENORI_SMTP_URL": smtp.url}).start()
    yield stack, smtp
    stack.stop()
    smtp.stop()


@pytest.fixture
def hook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


def check_now(stack, monitor_id):
    time.sleep(1.1)  # each check-now is its own slot (whole seconds)
    assert stack.request("POST", f"/api/monitors/{monitor_id}/check", key=stack.key)[0] == 202


def dead_url():
    target = HttpTarget().start()
    url = target.url
    target.stop()  # nothing listens there any more: a monitor of it goes down
    return url


def subscribe_and_confirm(stack, smtp, slug, email):
    assert stack.request("POST", f"/api/public/status-pages/{slug}/subscribe",
                         body={"email": email})[0] == 202
    assert wait_until(lambda: any(email in to for to, _ in smtp.messages), 30)
    index = max(i for i, (to, _) in enumerate(smtp.messages) if email in to)
    link = re.search(r"http://127\.0\.0\.1:\d+/api/public/subscriptions/[^/\s]+/confirm",
                     smtp.bodies()[index]).group(0)
    with urllib.request.urlopen(link, timeout=30) as confirmed:
        assert confirmed.status == 200
    return smtp.subjects()[index]


def mails_to(smtp, email):
    return [(subject, body) for (to, _), subject, body
            in zip(smtp.messages, smtp.subjects(), smtp.bodies()) if email in to]


def test_an_updates_status_moves_the_incident_and_only_public_updates_go_out(world, hook):
    stack, smtp = world
    monitor = create(stack, "/api/monitors", {"name": "Checkout", "type": "Website",
                                              "url": "https://checkout.example.com",
                                              "regions": ["UsEast"]})
    channel = create(stack, "/api/alert-channels", {"name": "incidents", "type": "Webhook",
                                                    "webhookUrl": hook.url})
    create(stack, "/api/alert-rules", {"name": "incidents", "monitorIds": [monitor["id"]],
                                       "channelIds": [channel["id"]], "events": INCIDENT_EVENTS})
    create(stack, "/api/status-pages", {"name": "Shop", "slug": "e13-vocabulary",
                                        "components": [{"monitorId": monitor["id"]}]})
    subscribe_and_confirm(stack, smtp, "e13-vocabulary", "ann@example.com")

    incident = create(stack, "/api/incidents", {"title": "Checkout errors",
                                                "monitorId": monitor["id"],
                                                "message": "Looking into it"})
    path = f"/api/incidents/{incident['id']}"
    assert wait_until(lambda: len(mails_to(smtp, "ann@example.com")) == 2, 30), \
        stack.output[-3000:]
    private = create(stack, f"{path}/updates", {"message": SECRET, "status": "Identified",
                                                "public": False})
    assert private["public"] is False
    create(stack, f"{path}/updates", {"message": "Fix deployed", "status": "Monitoring"})
    assert wait_until(lambda: len(mails_to(smtp, "ann@example.com")) == 3, 30)

    assert (get(stack, path)["status"], get(stack, path)["publicStatus"]) == ("Open", "Monitoring")
    status, page = stack.request("GET", "/api/public/status-pages/e13-vocabulary")
    [shown] = page["activeIncidents"]
    assert shown["status"] == "Monitoring"
    assert [u["message"] for u in shown["updates"]] == ["Fix deployed", "Looking into it"]
    status, _, html = stack.raw_request("GET", "/status/e13-vocabulary")
    assert status == 200 and "Fix deployed" in html.decode() and SECRET not in html.decode()

    resolved = create(stack, f"{path}/updates", {"message": "All good", "status": "Resolved"})
    assert (resolved["kind"], resolved["status"]) == ("resolved", "Resolved")
    assert incident["id"] not in [i["id"] for i in get(stack, "/api/incidents/active")]
    assert get(stack, path)["status"] == "Resolved"
    assert stack.request("POST", f"{path}/resolve", key=stack.key)[0] == 409
    assert wait_until(lambda: "incident.resolved" in hook.events(), 30), stack.output[-3000:]
    assert wait_until(lambda: len(mails_to(smtp, "ann@example.com")) == 4, 30)
    subjects = [subject for subject, _ in mails_to(smtp, "ann@example.com")[1:]]
    assert subjects == ["[Shop] Checkout errors: Investigating",
                        "[Shop] Checkout errors: Monitoring", "[Shop] Checkout errors: Resolved"]
    assert not any(SECRET in body for _, body in mails_to(smtp, "ann@example.com"))
    assert hook.events() == INCIDENT_EVENTS  # resolved once, whichever way


def test_the_headline_never_hides_an_outage_behind_maintenance(world):
    stack, smtp = world
    planned, unplanned = (create(stack, "/api/monitors", {
        "name": name, "type": "Website", "url": dead_url(), "failureThreshold": 1,
        "regions": ["UsEast"]}) for name in ("Planned", "Unplanned"))
    now = datetime.now(timezone.utc)
    create(stack, "/api/maintenance-windows", {
        "name": "Upgrade", "monitorIds": [planned["id"]],
        "startsAt": (now - timedelta(minutes=1)).isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat()})
    create(stack, "/api/status-pages", {"name": "Acme Status", "slug": "e13-headline",
                                        "components": [{"monitorId": planned["id"]},
                                                       {"monitorId": unplanned["id"]}]})
    for monitor in (planned, unplanned):
        check_now(stack, monitor["id"])
    assert wait_until(lambda: all(get(stack, f"/api/monitors/{m['id']}")["status"] == "Down"
                                  for m in (planned, unplanned)), 60), stack.output[-3000:]

    status, page = stack.request("GET", "/api/public/status-pages/e13-headline")
    assert status == 200
    assert page["status"] == "partial_outage"
    assert [(c["name"], c["status"]) for c in page["components"]] == [
        ("Planned", "Maintenance"), ("Unplanned", "Down")]
    # Each API process keeps a page's view up to a minute (as each Lambda container does, and as
    # the page's Cache-Control says): the process that answers may have built it before the checks.
    assert wait_until(lambda: "Partial outage" in html_page(stack, "/status/e13-headline"), 75)
    assert "<title>Acme Status</title>" in html_page(stack, "/status/e13-headline")
    subject = subscribe_and_confirm(stack, smtp, "e13-headline", "bob@example.com")
    assert subject == "Confirm your subscription to Acme Status"


def html_page(stack: LocalStack, path: str) -> str:
    return stack.raw_request("GET", path)[2].decode()


def test_webhook_payloads_are_complete(world, hook):
    stack, _ = world
    url = dead_url()
    channel = create(stack, "/api/alert-channels", {"name": "payloads", "type": "Webhook",
                                                    "webhookUrl": hook.url})
    monitor = create(stack, "/api/monitors", {
        "name": "Payments", "type": "Website", "url": url, "failureThreshold": 1,
        "regions": ["UsEast"], "alertChannelIds": [channel["id"]]})
    create(stack, "/api/alert-rules", {"name": "payloads", "monitorIds": [monitor["id"]],
                                       "channelIds": [channel["id"]], "events": INCIDENT_EVENTS})
    check_now(stack, monitor["id"])
    assert wait_until(lambda: {"monitor.down", "incident.created"} <= set(hook.events()), 60), \
        stack.output[-3000:]

    by_event = {p["event"]: p for p in hook.payloads()}
    expected_monitor = {"id": monitor["id"], "name": "Payments", "url": url, "type": "Website"}
    assert by_event["monitor.down"]["monitor"] == expected_monitor
    assert by_event["incident.created"]["monitor"] == expected_monitor
    [incident] = get(stack, f"/api/incidents?monitorId={monitor['id']}")["items"]
    records = get(stack, f"/api/alerts?monitorId={monitor['id']}")["items"]
    assert {r["event"]: r["incidentId"] for r in records} == {
        "monitor.down": incident["id"], "incident.created": incident["id"]}

    status, record = stack.request("POST", f"/api/alert-channels/{channel['id']}/test",
                                   key=stack.key)
    assert status == 200 and record["status"] == "Delivered", record
    test_payload = hook.payloads()[-1]
    assert test_payload["event"] == "test" and test_payload["test"] is True
