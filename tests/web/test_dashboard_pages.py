"""The dashboard's other pages in-process (moto): incidents, alerting, API keys, account, and the
read pages. Each action is checked through the API, which must see what the page did."""
import re

import pytest

from webtools import Person, sign_in as person

PAGES = ("/", "/incidents", "/alerting", "/status-pages", "/maintenance", "/teams", "/reports",
         "/settings/keys", "/account", "/monitors/new")


def incident(api, title="Checkout broken"):
    response = api.post("/api/incidents", {"title": title})
    assert response.status_code == 201, response.json
    return response.json


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_an_owner(world, path):
    response = person(world).get(path)
    assert response.status_code == 200, response.text[:2000]
    assert "<main" in response.text


def test_the_current_section_is_marked_in_the_navigation(world):
    page = person(world).get("/alerting").text
    assert re.search(r'href="/alerting" aria-current="page"', page)


def test_acknowledge_update_and_resolve_an_incident(world):
    item = incident(world["api"])
    owner = person(world)
    page = owner.get(f"/incidents/{item['id']}")
    assert page.status_code == 200 and "Checkout broken" in page.text
    assert owner.post(f"/incidents/{item['id']}/acknowledge").status_code == 303
    assert owner.post(f"/incidents/{item['id']}/updates",
                      {"message": "We are on it", "visibility": "public"}).status_code == 303
    assert owner.post(f"/incidents/{item['id']}/resolve", {"message": ""}).status_code == 303
    got = world["api"].get(f"/api/incidents/{item['id']}").json
    assert got["acknowledgedBy"] == "owner@example.com"
    assert got["resolvedAt"] is not None
    updates = [e for e in got["timeline"] if e["message"] == "We are on it"]
    assert updates and updates[0]["public"] is True
    assert "We are on it" in owner.get(f"/incidents/{item['id']}").text


def test_an_empty_update_is_a_400_next_to_the_message(world):
    item = incident(world["api"])
    response = person(world).post(f"/incidents/{item['id']}/updates", {"message": ""})
    assert response.status_code == 400
    assert 'id="message-error"' in response.text


def test_another_accounts_incident_and_channel_are_404_pages(world):
    theirs = incident(world["other_api"], "Their outage")
    channel = world["other_api"].post("/api/alert-channels", {
        "name": "Theirs", "type": "Email", "addresses": ["x@example.com"]}).json
    owner = person(world)
    for path in (f"/incidents/{theirs['id']}", f"/alerting/channels/{channel['id']}"):
        response = owner.get(path)
        assert response.status_code == 404 and "Their" not in response.text
    assert owner.post(f"/incidents/{theirs['id']}/resolve").status_code == 404
    assert world["other_api"].get(f"/api/incidents/{theirs['id']}").json["resolvedAt"] is None


def test_create_a_webhook_channel_and_send_a_test(world, private_ok, receiver):
    hook = receiver()
    owner = person(world)
    created = owner.post("/alerting", {"name": "Ops hook", "type": "Webhook",
                                       "Webhook.webhookUrl": hook.url,
                                       "enabled": "on"})
    assert created.status_code == 303, created.text
    channel_id = created.headers["location"].split("/")[-1].split("?")[0]
    tested = owner.post(f"/alerting/channels/{channel_id}/test")
    assert tested.status_code == 200
    assert 'id="test-result"' in tested.text and "Test delivered" in tested.text
    assert hook.received, "the test alert reached the webhook"
    assert "Delivered" in owner.get("/alerting").text


def test_a_bad_channel_is_a_400_naming_its_field(world):
    response = person(world).post("/alerting", {"name": "Bad", "type": "Webhook",
                                                "Webhook.webhookUrl": "not a url"})
    assert response.status_code == 400
    assert 'id="webhookUrl-error"' in response.text


def test_an_api_key_is_shown_once_and_works(world):
    owner = person(world)
    created = owner.post("/settings/keys", {"name": "CI", "scopes": ["monitors:read"]})
    assert created.status_code == 201
    key = re.search(r'id="new-key">(ek_live_[^<]+)<', created.text).group(1)
    assert world["api"].get("/api/monitors", key=key).status_code == 200
    assert world["api"].post("/api/monitors", {"name": "x"}, key=key).status_code == 403
    listing = owner.get("/settings/keys").text
    assert key not in listing and key[:14] + "…" in listing
    key_id = [k for k in world["api"].get("/api/keys").json["items"] if k["name"] == "CI"][0]["id"]
    assert owner.post(f"/settings/keys/{key_id}/revoke").status_code == 303
    assert world["api"].get("/api/monitors", key=key).status_code == 401


def test_a_key_without_scopes_is_a_400_on_the_scopes(world):
    response = person(world).post("/settings/keys", {"name": "CI"})
    assert response.status_code == 400 and 'id="scopes-error"' in response.text


def test_the_account_page_shows_usage_against_limits(world):
    page = person(world).get("/account").text
    assert "Business" in page and "monitors" in page


def test_a_member_cannot_manage_keys_and_a_viewer_cannot_act_on_incidents(world):
    item = incident(world["api"])
    member = person(world, "Member")
    assert member.get("/settings/keys").status_code == 403
    assert member.post("/settings/keys", {"name": "x", "scopes": ["*"]}).status_code == 403
    viewer = person(world, "Viewer")
    page = viewer.get(f"/incidents/{item['id']}")
    assert page.status_code == 200 and "/acknowledge" not in page.text
    assert viewer.post(f"/incidents/{item['id']}/acknowledge").status_code == 403
    assert viewer.post("/alerting", {"name": "x", "type": "Webhook",
                                     "Webhook.webhookUrl": "https://example.com/h"}
                       ).status_code == 403
    assert world["api"].get(f"/api/incidents/{item['id']}").json["acknowledgedAt"] is None
    assert world["api"].get("/api/alert-channels").json["totalCount"] == 0


def test_a_monthly_report_downloads_as_csv(world):
    created = world["api"].post("/api/reports", {}).json
    owner = person(world)
    assert created["month"] in owner.get("/reports").text
    csv = owner.get(f"/reports/{created['id']}?format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")


def test_a_job_monitor_shows_its_ping_url_snippets_and_ping_log(world):
    job = world["api"].post("/api/monitors", {"name": "Backup", "type": "Job",
                                              "periodSeconds": 3600}).json
    token = job["pingUrl"].rsplit("/", 1)[1]
    assert world["client"].http.post(f"/ping/{token}/start").status_code == 200
    assert world["client"].http.post(f"/ping/{token}", body=b"done").status_code == 200
    page = person(world).get(f"/monitors/{job['id']}").text
    assert f'id="ping-url">{job["pingUrl"]}<' in page
    assert f"curl -fsS -m 10 --retry 5 {job['pingUrl']}/fail" in page   # GitHub Actions
    assert f'urlopen("{job["pingUrl"]}/start"' in page                  # Python
    assert "<td>Start</td>" in page and "<td>Success</td>" in page and ">done<" in page


def test_create_a_status_page_a_maintenance_window_and_a_team(world):
    monitor = world["api"].post("/api/monitors", {"name": "Shop", "type": "Website",
                                                  "url": "https://shop.example.com/"}).json
    owner = person(world)
    made = owner.post("/status-pages", {"name": "Acme", "slug": "acme-web",
                                        "monitorIds": [monitor["id"]], "showUptimeBars": "on"})
    assert made.status_code == 303, made.text
    pages = world["api"].get("/api/status-pages").json["items"]
    assert [(p["slug"], [c["monitorId"] for c in p["components"]]) for p in pages] == \
        [("acme-web", [monitor["id"]])]
    assert 'href="/status/acme-web"' in owner.get("/status-pages").text
    window = owner.post("/maintenance", {"name": "Upgrade", "startsAt": "2026-04-01T02:00",
                                         "endsAt": "2026-04-01T03:00", "allMonitors": "on"})
    assert window.status_code == 303, window.text
    assert world["api"].get("/api/maintenance-windows").json["items"][0]["startsAt"] \
        .startswith("2026-04-01T02:00")
    assert owner.post("/teams", {"name": "Ops"}).status_code == 303
    assert [t["name"] for t in world["api"].get("/api/teams").json["items"]] == ["Ops"]


def test_a_bad_slug_is_a_400_next_to_the_slug(world):
    response = person(world).post("/status-pages", {"name": "Acme", "slug": "Not A Slug"})
    assert response.status_code == 400
    assert 'id="slug-error"' in response.text and 'value="Not A Slug"' in response.text


def test_a_viewer_cannot_create_a_status_page(world):
    viewer = person(world, "Viewer")
    assert "New status page" not in viewer.get("/status-pages").text
    assert viewer.post("/status-pages", {"name": "A", "slug": "a-b"}).status_code == 403
    assert world["api"].get("/api/status-pages").json["totalCount"] == 0


@pytest.fixture
def smtp(monkeypatch):
    import dataclasses

    from chalicelib.web import invites
    from targets import SmtpSink

    sink = SmtpSink()
    monkeypatch.setattr(invites, "settings",
                        dataclasses.replace(invites.settings, smtp_url=sink.url))
    yield sink
    sink.stop()


def test_an_invited_person_signs_in_with_the_emailed_link_and_the_role_given(world, smtp):
    owner = person(world)
    sent = owner.post("/account", {"email": "new@example.com", "role": "Viewer"})
    assert sent.status_code == 201 and "Invitation sent to new@example.com" in sent.text
    (recipients, _), = smtp.messages
    assert recipients == ["new@example.com"]
    token = re.search(r"/signin/([A-Za-z0-9_-]+)", smtp.bodies()[0]).group(1)
    invited = Person(world["client"])
    assert invited.post("/signin", {"link": token}, csrf=False).status_code == 303
    assert "new@example.com (Viewer)" in invited.get("/").text


def test_an_invitation_to_a_bad_address_is_a_400_on_the_email(world, smtp):
    response = person(world).post("/account", {"email": "not an address", "role": "Member"})
    assert response.status_code == 400 and 'id="email-error"' in response.text
    assert smtp.messages == []
    assert person(world, "Member").post("/account", {"email": "a@example.com",
                                                      "role": "Admin"}).status_code == 403


def test_create_an_alert_rule_for_a_channel(world):
    channel = world["api"].post("/api/alert-channels", {
        "name": "Mail", "type": "Email", "addresses": ["ops@example.com"]}).json
    owner = person(world)
    assert "New rule" in owner.get("/alerting").text
    made = owner.post("/alerting/rules", {"name": "Everything", "channelIds": [channel["id"]],
                                          "events": ["monitor.down", "incident.created"],
                                          "allMonitors": "on"})
    assert made.status_code == 303, made.text
    rules = world["api"].get("/api/alert-rules").json["items"]
    assert [(r["name"], r["channelIds"], r["events"], r["allMonitors"]) for r in rules] == \
        [("Everything", [channel["id"]], ["monitor.down", "incident.created"], True)]
    refused = owner.post("/alerting/rules", {"name": "No channel", "allMonitors": "on"})
    rules_part = refused.text.split("<h2>Rules</h2>")[1]
    assert refused.status_code == 400 and 'class="field-error"' in rules_part
