import json
import re
from datetime import timedelta
from email import message_from_string

import pytest

from apitools import Api, make_account
from result_seeds import put_result, put_rollup, roll_through
from chalicelib.kernel.settings import settings

SECRET_URL = "https://internal-admin.example.com/health"


@pytest.fixture
def mailbox(aws):
    """moto's SES outbox, with the sender verified: `mailbox()` lists (to, message) pairs."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    from chalicelib.kernel.runtime import runtime

    runtime.client("ses").verify_email_identity(EmailAddress=settings.mail_from)
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    return lambda: [(m.destinations, message_from_string(m.raw_data))
                    for m in backend.sent_messages]


def mails_to(mailbox, address):
    return [m for to, m in mailbox() if address in to]


def body_of(message):
    return message.get_payload(decode=True).decode()


def link(message, kind):
    return re.search(rf"https?://\S+/api/public/subscriptions/\S+/{kind}", body_of(message))[0]


def path_of(url):
    return url.replace(settings.public_base_url, "")


def monitor(api, name="Shop API", url=SECRET_URL):
    response = api.post("/api/monitors", {"name": name, "type": "Website", "url": url})
    assert response.status_code == 201, response.json
    return response.json["id"]


def page_body(slug="acme", components=(), **options):
    return {"name": "Acme", "slug": slug, "description": "Acme services",
            "components": list(components), **options}


def create_page(api, slug="acme", components=(), **options):
    response = api.post("/api/status-pages", page_body(slug, components, **options))
    assert response.status_code == 201, response.json
    return response.json


def raw(api, method, path, body=b"", headers=None):
    """A request whose answer may not be JSON (HTML, SVG)."""
    return api.client.http.request(method, path, headers=headers or {}, body=body)


def other_api(api, plan="Business", scopes=("*",)):
    return Api(api.client, make_account(plan, scopes)[1])


# --- CRUD ---------------------------------------------------------------------------------------

def test_it_creates_reads_lists_replaces_and_deletes_a_page(api):
    api_id = monitor(api)
    created = create_page(api, components=[{"monitorId": api_id, "displayName": "API",
                                            "group": "Core"}])
    assert created["id"].startswith("sp_")
    assert created["components"] == [{"monitorId": api_id, "displayName": "API", "group": "Core"}]
    assert (created["showUptimeBars"], created["showResponseTimes"],
            created["showMonitorUrls"]) == (True, False, False)
    assert created["publicUrl"].endswith("/status/acme")
    assert api.get(f"/api/status-pages/{created['id']}").json == created
    assert api.get("/api/status-pages").json == {"items": [created], "totalCount": 1}

    replaced = api.put(f"/api/status-pages/{created['id']}",
                       page_body("acme-2", showResponseTimes=True))
    assert replaced.status_code == 200
    assert (replaced.json["slug"], replaced.json["components"],
            replaced.json["showResponseTimes"]) == ("acme-2", [], True)

    assert api.delete(f"/api/status-pages/{created['id']}").status_code == 204
    assert api.get(f"/api/status-pages/{created['id']}").status_code == 404
    assert api.get("/api/public/status-pages/acme-2", key=None).status_code == 404


def test_a_slug_is_unique_across_accounts(api):
    create_page(api, "taken")
    response = other_api(api).post("/api/status-pages", page_body("taken"))
    assert response.status_code == 409
    assert response.json["code"] == "CONFLICT"


def test_changing_the_slug_frees_the_old_one(api):
    page = create_page(api, "old-name")
    assert api.put(f"/api/status-pages/{page['id']}", page_body("new-name")).status_code == 200
    create_page(other_api(api), "old-name")
    response = api.put(f"/api/status-pages/{page['id']}", page_body("old-name"))
    assert response.status_code == 409
    assert api.get("/api/public/status-pages/new-name", key=None).status_code == 200


@pytest.mark.parametrize("slug", ["ab", "Acme", "-acme", "acme-", "ac_me", "a" * 61, "ac me"])
def test_it_refuses_a_bad_slug(api, slug):
    response = api.post("/api/status-pages", page_body(slug))
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "slug"


def test_the_base_plan_allows_three_pages(api):
    base = other_api(api, plan="Base")
    pages = [create_page(base, f"base-{i}") for i in range(3)]
    response = base.post("/api/status-pages", page_body("base-3"))
    assert response.status_code == 403
    assert response.json["code"] == "PLAN_LIMIT_EXCEEDED"
    assert "Your Base plan allows 3 status pages" in response.json["message"]
    assert base.delete(f"/api/status-pages/{pages[0]['id']}").status_code == 204
    create_page(base, "base-3")


def test_a_component_must_be_one_of_the_callers_monitors(api):
    mine = monitor(api)
    theirs = monitor(other_api(api))
    response = api.post("/api/status-pages", page_body(components=[
        {"monitorId": mine}, {"monitorId": theirs}]))
    assert response.status_code == 400
    assert response.json["code"] == "INVALID_REFERENCE"
    assert response.json["details"][0]["field"] == "components.1.monitorId"


def test_another_account_cannot_see_or_touch_a_page(api):
    page = create_page(api)
    other = other_api(api)
    for method in ("GET", "PUT", "DELETE"):
        response = other.request(method, f"/api/status-pages/{page['id']}",
                                 page_body("acme") if method == "PUT" else None)
        assert response.status_code == 404, method
    assert other.get("/api/status-pages").json["totalCount"] == 0


def test_it_needs_the_status_pages_scopes(api):
    reader = other_api(api, scopes=("status-pages:read",))
    assert reader.get("/api/status-pages").status_code == 200
    response = reader.post("/api/status-pages", page_body())
    assert response.status_code == 403
    assert response.json["code"] == "INSUFFICIENT_SCOPE"


# --- the public view ----------------------------------------------------------------------------

def record(monitor_id, when, ok, ms=100):
    put_result(monitor_id, int(when.timestamp()), "UsEast", ok=ok, ms=ms,
               status=200 if ok else 500)


def account_of(api):
    return api.get("/api/account").json["id"]


def test_the_public_json_has_the_documented_shape(api, clock):
    now = clock.now()
    clock.set(now - timedelta(days=2))
    up, down = monitor(api, "Shop API"), monitor(api, "Shop Web", "https://web.example.com")
    clock.set(now)
    for minutes in (1, 2, 3, 4):   # this hour: not rolled up yet, read from the minute items
        record(up, now - timedelta(minutes=minutes), ok=True)
    yesterday = int((now - timedelta(days=1)).timestamp())   # rolled up: read from its rollup
    put_rollup(up, yesterday - 3600, [100, 100], failures=1)
    roll_through(yesterday)
    create_page(api, components=[{"monitorId": up, "displayName": "API", "group": "Core"},
                                 {"monitorId": down}], showResponseTimes=True)

    response = api.get("/api/public/status-pages/acme", key=None)
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["description"], body["status"]) == \
        ("Acme", "Acme services", "operational")
    assert (body["activeIncidents"], body["incidents"], body["maintenance"]) == ([], [], [])
    api_part, web_part = body["components"]
    assert (api_part["name"], api_part["group"], web_part["name"]) == ("API", "Core", "Shop Web")
    assert len(api_part["uptime"]) == 90
    assert api_part["uptime"][-1] == {"date": now.date().isoformat(), "uptimePercentage": 100.0}
    assert api_part["uptime"][-2]["uptimePercentage"] == 50.0
    assert api_part["uptime"][0]["uptimePercentage"] is None
    assert api_part["uptime90d"] == round(100 * 5 / 6, 3)
    assert api_part["responseTimeMs"] == 100
    assert web_part["uptime90d"] is None and web_part["responseTimeMs"] is None
    assert "url" not in api_part


def test_the_public_json_leaks_nothing_private(api, clock):
    monitor_id = monitor(api)
    create_page(api, components=[{"monitorId": monitor_id}])
    api.post("/api/incidents", {"title": "Checkout errors", "monitorId": monitor_id,
                                "message": "We are looking into it."})
    text = api.get("/api/public/status-pages/acme", key=None).body.decode()
    for secret in ("mon_", "acc_", "inc_", "upd_", "ek_live_", "internal-admin", api.key):
        assert secret not in text
    assert "Checkout errors" in text and "We are looking into it." in text


def test_urls_show_only_when_the_page_opts_in(api):
    monitor_id = monitor(api)
    create_page(api, components=[{"monitorId": monitor_id}], showMonitorUrls=True)
    assert api.get("/api/public/status-pages/acme", key=None).json["components"][0]["url"] == \
        SECRET_URL


def test_an_automatic_incident_shows_a_public_title_and_status(api, clock):
    from chalicelib.incidents import service as incidents
    from chalicelib.status_pages import view as status_page_view

    api_id, web_id = monitor(api, "Shop API"), monitor(api, "Shop Web")
    account_id = account_of(api)
    create_page(api, components=[{"monitorId": api_id, "displayName": "API"},
                                 {"monitorId": web_id}])
    incidents.open_for_monitor(account_id, api_id, "Shop API", "inc_x1",
                               "connect to 10.1.2.3 refused", clock.now())
    status_page_view.forget("acme")
    from chalicelib.storage.monitors import MonitorItem
    item = MonitorItem.get(account_id, api_id)
    item.update(actions=[MonitorItem.status.set("Down")])

    body = api.get("/api/public/status-pages/acme", key=None).json
    assert body["status"] == "partial_outage"
    assert [c["status"] for c in body["components"]] == ["Down", "Pending"]
    active = body["activeIncidents"]
    assert [(i["title"], i["status"]) for i in active] == [("API is down", "Investigating")]
    assert active[0]["updates"][0]["message"] == "We are investigating an outage of API."
    assert "10.1.2.3" not in json.dumps(body)


def test_the_html_page_is_served_and_an_unknown_slug_is_a_404_page(api):
    create_page(api, components=[{"monitorId": monitor(api)}])
    response = raw(api, "GET", "/status/acme")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.body.decode()
    assert html.count('class="bar ') == 90 and "All systems operational" in html
    missing = raw(api, "GET", "/status/nope")
    assert missing.status_code == 404 and b"Status page not found" in missing.body


# --- subscriptions ------------------------------------------------------------------------------

def subscribe(api, email, slug="acme", **kw):
    return api.post(f"/api/public/status-pages/{slug}/subscribe", {"email": email}, key=None, **kw)


def test_subscribing_sends_a_confirmation_and_only_confirmed_addresses_get_incidents(
        api, clock, mailbox):
    from chalicelib.storage.events import EventItem
    from chalicelib.status_pages import notifications as status_notifications

    monitor_id = monitor(api)
    create_page(api, components=[{"monitorId": monitor_id, "displayName": "API"}])
    assert subscribe(api, "Ann@Example.com").status_code == 202
    assert subscribe(api, "bob@example.com").status_code == 202
    confirmation = mails_to(mailbox, "ann@example.com")[0]
    assert "Confirm your subscription" in confirmation["Subject"]
    confirmed = api.get(path_of(link(confirmation, "confirm")), key=None)
    assert confirmed.status_code == 200 and confirmed.json == {"status": "confirmed"}

    incident = api.post("/api/incidents", {"title": "Checkout errors", "monitorId": monitor_id})
    clock.advance(60)
    api.post(f"/api/incidents/{incident.json['id']}/updates",
             {"message": "Fix deployed", "status": "Monitoring"})
    clock.advance(60)
    api.post(f"/api/incidents/{incident.json['id']}/resolve")
    for event in sorted(EventItem.scan(), key=lambda e: e.created_at):
        status_notifications.handle_event(json.loads(event.payload_json))

    notices = mails_to(mailbox, "ann@example.com")[1:]
    assert [m["Subject"] for m in notices] == [
        "[Acme] Checkout errors: Investigating", "[Acme] Checkout errors: Monitoring",
        "[Acme] Checkout errors: Resolved"]
    assert "Fix deployed" in body_of(notices[1])
    assert all("/unsubscribe" in body_of(m) and m["List-Unsubscribe"] for m in notices)
    assert len(mails_to(mailbox, "bob@example.com")) == 1  # the confirmation only


def test_the_page_shows_the_apis_status_and_only_public_updates(api, clock, mailbox):
    from chalicelib.storage.events import EventItem
    from chalicelib.status_pages import notifications as status_notifications

    monitor_id = monitor(api)
    create_page(api, components=[{"monitorId": monitor_id}])
    subscribe(api, "ann@example.com")
    api.get(path_of(link(mails_to(mailbox, "ann@example.com")[0], "confirm")), key=None)
    incident = api.post("/api/incidents", {"title": "Checkout errors", "monitorId": monitor_id,
                                           "message": "Looking into it"}).json
    path = f"/api/incidents/{incident['id']}"
    clock.advance(60)
    api.post(f"{path}/updates", {"message": "db-3 at 10.0.0.5 is full", "status": "Identified",
                                 "public": False})
    clock.advance(60)
    api.post(f"{path}/updates", {"message": "Fix deployed", "status": "Monitoring"})
    for event in sorted(EventItem.scan(), key=lambda e: e.created_at):
        status_notifications.handle_event(json.loads(event.payload_json))

    [shown] = api.get("/api/public/status-pages/acme", key=None).json["activeIncidents"]
    assert shown["status"] == api.get(path).json["publicStatus"] == "Monitoring"
    assert [u["message"] for u in shown["updates"]] == ["Fix deployed", "Looking into it"]
    assert "10.0.0.5" not in raw(api, "GET", "/status/acme").body.decode()
    mails = mails_to(mailbox, "ann@example.com")[1:]
    assert [m["Subject"] for m in mails] == ["[Acme] Checkout errors: Investigating",
                                             "[Acme] Checkout errors: Monitoring"]
    assert not any("10.0.0.5" in body_of(m) for m in mails)


def test_an_event_delivered_twice_mails_once(api, clock, mailbox):
    from chalicelib.storage.events import EventItem
    from chalicelib.status_pages import notifications as status_notifications

    monitor_id = monitor(api)
    create_page(api, components=[{"monitorId": monitor_id}])
    subscribe(api, "ann@example.com")
    api.get(path_of(link(mails_to(mailbox, "ann@example.com")[0], "confirm")), key=None)
    api.post("/api/incidents", {"title": "Down", "monitorId": monitor_id})
    event = json.loads(next(EventItem.scan()).payload_json)
    assert status_notifications.handle_event(event) == 1
    assert status_notifications.handle_event(event) == 0


def test_unsubscribing_stops_the_emails(api, clock, mailbox):
    from chalicelib.storage.events import EventItem
    from chalicelib.status_pages import notifications as status_notifications

    monitor_id = monitor(api)
    create_page(api, components=[{"monitorId": monitor_id}])
    subscribe(api, "ann@example.com")
    confirmation = mails_to(mailbox, "ann@example.com")[0]
    api.get(path_of(link(confirmation, "confirm")), key=None)
    gone = api.get(path_of(link(confirmation, "unsubscribe")), key=None)
    assert gone.status_code == 200 and gone.json == {"status": "unsubscribed"}
    assert api.get(path_of(link(confirmation, "confirm")), key=None).status_code == 404
    api.post("/api/incidents", {"title": "Down", "monitorId": monitor_id})
    for event in EventItem.scan():
        assert status_notifications.handle_event(json.loads(event.payload_json)) == 0


def test_subscribing_twice_keeps_one_subscription(api, mailbox):
    from chalicelib.storage.status_pages import StatusSubscriberItem

    page = create_page(api)
    subscribe(api, "ann@example.com")
    subscribe(api, "ANN@example.com")
    assert [s.email for s in StatusSubscriberItem.query(page["id"])] == ["ann@example.com"]
    first, second = mails_to(mailbox, "ann@example.com")
    assert link(first, "confirm") == link(second, "confirm")
    api.get(path_of(link(first, "confirm")), key=None)
    subscribe(api, "ann@example.com")
    assert len(mails_to(mailbox, "ann@example.com")) == 2  # confirmed: nothing more


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "", "x@y.com, z@w.com"])
def test_a_bad_address_is_a_400(api, email):
    create_page(api)
    response = subscribe(api, email)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "email"


def test_a_browser_form_post_gets_a_check_your_inbox_page(api, mailbox):
    create_page(api)
    response = raw(api, "POST", "/api/public/status-pages/acme/subscribe",
                   b"email=ann%40example.com",
                   {"Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 202
    assert response.headers["Content-Type"].startswith("text/html")
    assert b"Check your inbox" in response.body
    assert len(mails_to(mailbox, "ann@example.com")) == 1


def test_subscribing_is_rate_limited_per_address_and_per_page(api, mailbox):
    create_page(api)
    create_page(api, "second")
    for slug in ("acme", "acme", "second"):
        assert subscribe(api, "ann@example.com", slug).status_code == 202
    limited = subscribe(api, "ann@example.com", "second")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    statuses = [subscribe(api, f"user{i}@example.com").status_code for i in range(10)]
    assert statuses == [202] * 8 + [429] * 2  # 10 a minute per page, 2 were taken above


def test_an_unknown_token_or_page_is_a_404(api):
    assert api.get("/api/public/subscriptions/" + "x" * 43 + "/confirm",
                   key=None).status_code == 404
    assert subscribe(api, "ann@example.com", "nope").status_code == 404


# --- badges -------------------------------------------------------------------------------------

def test_badges_are_svg_cached_five_minutes(api, clock):
    monitor_id = monitor(api)
    clock.advance(120)
    record(monitor_id, clock.now() - timedelta(minutes=1), ok=True)
    response = raw(api, "GET", f"/api/badges/{monitor_id}/uptime.svg?period=24h&label=Shop")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert b">Shop<" in response.body and b">100%<" in response.body
    status = raw(api, "GET", f"/api/badges/{monitor_id}/status.svg?style=flat-square")
    assert b">pending<" in status.body


def test_the_uptime_badge_counts_the_hour_not_rolled_up_yet(api, clock):
    now = clock.now()
    clock.set(now - timedelta(hours=3))
    monitor_id = monitor(api)
    clock.set(now)
    hour = int(now.timestamp()) // 3600 * 3600
    put_rollup(monitor_id, hour - 2 * 3600, [100] * 4, failures=1)   # rolled: 3 of 4
    roll_through(hour - 2 * 3600)
    record(monitor_id, now - timedelta(minutes=30), ok=False)       # live: 3 of 5
    response = raw(api, "GET", f"/api/badges/{monitor_id}/uptime.svg?period=24h")
    assert b">60%<" in response.body


def test_a_job_badge_and_bars_show_its_time_not_down(api, clock):
    job = api.post("/api/monitors", {"name": "Backup", "type": "Job", "periodSeconds": 86400,
                                     "gracePeriodSeconds": 60}).json
    token = job["pingToken"]
    raw(api, "GET", f"/ping/{token}")                 # 10:00 Up
    clock.advance(600)
    raw(api, "GET", f"/ping/{token}/fail")            # 10:10 Down
    clock.advance(600)
    raw(api, "GET", f"/ping/{token}")                 # 10:20 Up: 600 s of 1,800 Down
    clock.advance(600)
    badge = raw(api, "GET", f"/api/badges/{job['id']}/uptime.svg?period=24h")
    assert b">66.66%<" in badge.body                  # 66.667 rounded down, not "unknown"
    create_page(api, components=[{"monitorId": job["id"]}])
    [part] = api.get("/api/public/status-pages/acme", key=None).json["components"]
    assert part["uptime"][-1] == {"date": clock.now().date().isoformat(),
                                  "uptimePercentage": 66.667}
    assert part["uptime"][-2]["uptimePercentage"] is None and part["uptime90d"] == 66.667


def test_an_unknown_or_paused_monitor_gets_a_gray_unknown_badge(api):
    monitor_id = monitor(api)
    api.post(f"/api/monitors/{monitor_id}/pause")
    for path in (f"/api/badges/{monitor_id}/status.svg", "/api/badges/mon_nope/uptime.svg"):
        response = raw(api, "GET", path)
        assert response.status_code == 200
        assert b">unknown<" in response.body and b"#9f9f9f" in response.body


@pytest.mark.parametrize("query, field", [
    ("period=1y", "period"), ("label=" + "x" * 31, "label"), ("style=plastic", "style")])
def test_bad_badge_parameters_are_a_json_400(api, query, field):
    response = api.get(f"/api/badges/mon_x/uptime.svg?{query}", key=None)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == field


def test_maintenance_from_a_provider_shows_without_ids(api, monkeypatch):
    from chalicelib.maintenance import cover as maintenance_cover

    monitor_id = monitor(api)

    def provider(account_id, monitor_ids, now):
        return [{"id": "mw_secret", "name": "Database upgrade", "description": "Short pause",
                 "startsAt": "2026-03-24T09:00:00Z", "endsAt": "2026-03-24T11:00:00Z",
                 "active": True, "monitorIds": monitor_ids, "notifySubscribers": True}]

    monkeypatch.setattr(maintenance_cover, "active_and_upcoming", provider)
    create_page(api, components=[{"monitorId": monitor_id, "displayName": "API"}])
    body = api.get("/api/public/status-pages/acme", key=None).json
    assert body["status"] == "under_maintenance"
    assert body["maintenance"] == [{"title": "Database upgrade", "description": "Short pause",
                                    "startsAt": "2026-03-24T09:00:00Z",
                                    "endsAt": "2026-03-24T11:00:00Z", "status": "in_progress",
                                    "components": ["API"]}]
    assert "mw_" not in json.dumps(body)


def test_an_outage_outside_the_window_outranks_the_maintenance(api, clock, monkeypatch):
    from chalicelib.maintenance import cover as maintenance_cover
    from chalicelib.storage.monitors import MonitorItem

    planned, unplanned = monitor(api, "Planned"), monitor(api, "Unplanned")
    for monitor_id in (planned, unplanned):
        MonitorItem.get(account_of(api), monitor_id).update(
            actions=[MonitorItem.status.set("Down")])

    def provider(account_id, monitor_ids, now):
        return [{"name": "Upgrade", "startsAt": "2026-03-24T09:00:00Z",
                 "endsAt": "2026-03-24T11:00:00Z", "active": True, "monitorIds": [planned]}]

    monkeypatch.setattr(maintenance_cover, "active_and_upcoming", provider)
    create_page(api, components=[{"monitorId": planned}, {"monitorId": unplanned}])
    body = api.get("/api/public/status-pages/acme", key=None).json
    assert [(c["name"], c["status"]) for c in body["components"]] == [
        ("Planned", "Maintenance"), ("Unplanned", "Down")]
    assert body["status"] == "partial_outage"


def test_a_page_named_status_gets_no_doubled_word(api, mailbox):
    api.post("/api/status-pages", {**page_body(), "name": "Acme Status"})
    response = raw(api, "GET", "/status/acme")
    assert "<title>Acme Status</title>" in response.body.decode()
    assert api.post("/api/public/status-pages/acme/subscribe", {"email": "v@example.com"},
                    key=None).status_code == 202
    [confirmation] = mails_to(mailbox, "v@example.com")
    assert confirmation["Subject"] == "Confirm your subscription to Acme Status"


def test_an_active_maintenance_window_shows_on_the_public_page(api, clock):
    monitor = api.post("/api/monitors", {"name": "Web", "type": "Website",
                                         "url": "https://example.com"}).json
    page = api.post("/api/status-pages", {"name": "Acme", "slug": "acme-maint",
                                          "components": [{"monitorId": monitor["id"]}]}).json
    start = clock.now()
    window = api.post("/api/maintenance-windows", {
        "name": "DB upgrade", "startsAt": start.isoformat(), "monitorIds": [monitor["id"]],
        "endsAt": (start.replace(hour=(start.hour + 2) % 24)).isoformat()})
    assert window.status_code == 201, window.json
    public = api.get("/api/public/status-pages/acme-maint", key=None).json
    assert public["status"] == "under_maintenance"
    assert [m["title"] for m in public["maintenance"]] == ["DB upgrade"]
    assert page["id"] not in str(public) and window.json["id"] not in str(public)
