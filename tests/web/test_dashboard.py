"""The dashboard in-process (moto): sign-in by link, sessions, CSRF, security headers, roles and
tenant walls, and the pages rendering what the API holds."""
import pytest

from apitools import make_account
from webtools import Person, sign_in as owner


def website(api, name="Shop", url="https://shop.example.com/"):
    response = api.post("/api/monitors", {"name": name, "type": "Website", "url": url})
    assert response.status_code == 201, response.json
    return response.json


def test_a_page_without_a_session_asks_to_sign_in(world):
    response = Person(world["client"]).get("/")
    assert response.status_code == 401
    assert "Sign in to Enori" in response.text


def test_a_sign_in_link_opens_a_session_once(world, clock):
    from chalicelib.web import sessions

    link = sessions.issue_link(world["account"], "a@example.com", "Owner", clock.now())
    person = Person(world["client"])
    confirm = person.get(f"/signin/{link}")
    assert confirm.status_code == 200 and 'name="link"' in confirm.text
    first = person.post("/signin", {"link": link}, csrf=False)
    assert first.status_code == 303
    assert "HttpOnly" in first.headers["set-cookie"]
    assert "SameSite=Lax" in first.headers["set-cookie"]
    assert person.get("/").status_code == 200
    again = Person(world["client"]).post("/signin", {"link": link}, csrf=False)
    assert again.status_code == 400


def test_an_expired_link_signs_nobody_in(world, clock):
    from chalicelib.web import sessions

    link = sessions.issue_link(world["account"], "a@example.com", "Owner", clock.now())
    clock.advance(sessions.LINK_LIFETIME.total_seconds() + 1)
    assert Person(world["client"]).get(f"/signin/{link}").status_code == 404
    assert Person(world["client"]).post("/signin", {"link": link}, csrf=False).status_code == 400


def test_a_session_expires(world, clock):
    from chalicelib.web import sessions

    person = owner(world)
    clock.advance(sessions.SESSION_LIFETIME.total_seconds() + 1)
    assert person.get("/").status_code == 401


def test_over_https_the_cookie_is_secure_and_host_prefixed(world, clock):
    from chalicelib.web import sessions

    link = sessions.issue_link(world["account"], "a@example.com", "Owner", clock.now())
    response = world["client"].http.request(
        "POST", "/signin", body=f"link={link}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "X-Forwarded-Proto": "https"})
    cookie = {k.lower(): v for k, v in response.headers.items()}["set-cookie"]
    assert cookie.startswith("__Host-enori_session=") and "; Secure" in cookie
    assert "; Path=/" in cookie and "Domain" not in cookie


def test_pages_carry_a_strict_policy(world):
    response = owner(world).get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert "<script>" not in response.text and "style=" not in response.text


def test_a_post_without_the_csrf_token_is_refused(world):
    person = owner(world)
    response = person.post("/monitors/new", {"name": "X", "type": "Website",
                                             "url": "https://x.example.com/"}, csrf=False)
    assert response.status_code == 403
    assert world["api"].get("/api/monitors").json["totalCount"] == 0


def test_creating_a_monitor_through_the_form(world):
    person = owner(world)
    response = person.post("/monitors/new", {
        "name": "Shop", "type": "Website", "url": "https://shop.example.com/",
        "intervalSeconds": "60", "regions": ["UsEast", "EuWest"], "tags": "prod, web",
        "alertOnDown": "on"})
    assert response.status_code == 303, response.text
    listed = world["api"].get("/api/monitors").json["items"]
    assert [(m["name"], m["regions"], m["tags"]) for m in listed] == \
        [("Shop", ["UsEast", "EuWest"], ["prod", "web"])]
    assert response.headers["location"] == f"/monitors/{listed[0]['id']}?notice=created"
    detail = person.get(f"/monitors/{listed[0]['id']}")
    assert detail.status_code == 200 and "Shop" in detail.text


def test_the_api_validation_errors_show_next_to_their_fields(world):
    person = owner(world)
    response = person.post("/monitors/new", {"name": "Shop", "type": "Website", "url": "ftp://x",
                                             "intervalSeconds": "abc"})
    assert response.status_code == 400
    assert 'id="url-error">must start with http:// or https://' in response.text
    assert 'id="intervalSeconds-error"' in response.text
    assert 'value="ftp://x"' in response.text


def test_the_overview_lists_monitors_and_filters_them(world):
    website(world["api"], "Shop")
    website(world["api"], "Blog", "https://blog.example.com/")
    person = owner(world)
    page = person.get("/")
    assert "Shop" in page.text and "Blog" in page.text
    only = person.get("/?q=blog")
    assert "Blog" in only.text and ">Shop<" not in only.text


def test_a_viewer_sees_no_forms_and_cannot_post(world):
    monitor = website(world["api"])
    viewer = owner(world, "Viewer")
    page = viewer.get(f"/monitors/{monitor['id']}")
    assert page.status_code == 200
    assert "/pause" not in page.text and "/edit" not in page.text
    assert 'method="post"' not in page.text.replace(
        'method="post" action="/signout"', "")
    refused = viewer.post(f"/monitors/{monitor['id']}/pause")
    assert refused.status_code == 403
    assert world["api"].get(f"/api/monitors/{monitor['id']}").json["paused"] is False
    assert viewer.post("/monitors/new", {"name": "X", "type": "Website",
                                         "url": "https://x.example.com/"}).status_code == 403


def test_another_accounts_monitor_is_a_404_page(world):
    theirs = website(world["other_api"], "Theirs")
    person = owner(world)
    for path in (f"/monitors/{theirs['id']}", f"/monitors/{theirs['id']}/edit"):
        response = person.get(path)
        assert response.status_code == 404 and "Theirs" not in response.text
    assert person.post(f"/monitors/{theirs['id']}/pause").status_code == 404
    assert world["other_api"].get(f"/api/monitors/{theirs['id']}").json["paused"] is False


def test_pause_resume_and_delete(world):
    monitor = website(world["api"])
    person = owner(world)
    assert person.post(f"/monitors/{monitor['id']}/pause").status_code == 303
    assert world["api"].get(f"/api/monitors/{monitor['id']}").json["paused"] is True
    assert person.post(f"/monitors/{monitor['id']}/resume").status_code == 303
    assert world["api"].get(f"/api/monitors/{monitor['id']}").json["paused"] is False
    confirm = person.get(f"/monitors/{monitor['id']}/delete")
    assert confirm.status_code == 200 and "Delete monitor" in confirm.text
    assert person.post(f"/monitors/{monitor['id']}/delete").status_code == 303
    assert world["api"].get(f"/api/monitors/{monitor['id']}").status_code == 404


def test_sign_out_ends_the_session(world):
    person = owner(world)
    cookie = person.cookie
    assert person.post("/signout").status_code == 303
    person.cookie = cookie  # a copy of the old cookie opens nothing either
    assert person.get("/").status_code == 401


def test_static_files_have_a_content_hash_and_a_long_cache(world):
    from chalicelib.web import assets

    page = owner(world).get("/")
    css = assets.url("app.css")
    assert f'href="{css}"' in page.text
    response = world["client"].http.get(css)
    response.headers = {k.lower(): v for k, v in response.headers.items()}
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert world["client"].http.get("/static/0000000000000000/app.css").status_code == 404


def test_html_routes_are_not_in_the_openapi_document(world):
    import json

    document = json.loads(world["client"].http.get("/openapi/v1.json").body)
    assert not [p for p in document["paths"] if not p.startswith(("/api", "/ping", "/status",
                                                                   "/openapi", "/docs"))]
    assert "/monitors/{monitor_id}/edit" not in document["paths"]


def test_the_alerts_view_links_open_dashboard_pages(world):
    from urllib.parse import urlsplit

    from chalicelib.channels import messages

    monitor = website(world["api"])
    made = world["api"].post("/api/incidents", {"title": "Down", "monitorId": monitor["id"]})
    person = owner(world)
    for link in (messages.monitor_link(monitor["id"]), messages.incident_link(made.json["id"])):
        response = person.get(urlsplit(link).path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")


def test_infra_signin_mints_an_owner_link_for_a_full_access_key(world, capsys, monkeypatch):
    import os

    from infra import signin

    env = {**os.environ, "ENORI_KEY": world["api"].key}
    assert signin.main(["--stage", "test", "--email", "me@example.com",
                        "--url", "https://enori.example/api/"], env=env) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://enori.example/api/signin/")
    person = Person(world["client"])
    token = link.rsplit("/", 1)[1]
    assert person.post("/signin", {"link": token}, csrf=False).status_code == 303
    assert "me@example.com (Owner)" in person.get("/").text


def test_infra_signin_refuses_a_key_without_full_access(world, capsys):
    import os

    from infra import signin

    _, narrow = make_account(scopes=("monitors:read",))
    env = {**os.environ, "ENORI_KEY": narrow}
    with pytest.raises(SystemExit):
        signin.main(["--stage", "test", "--email", "me@example.com",
                     "--url", "https://enori.example"], env=env)


def test_each_page_loads_at_most_150_kb_of_js_and_css_compressed(world):
    import gzip
    import re

    monitor = website(world["api"])
    person = owner(world)
    for path in ("/", f"/monitors/{monitor['id']}", "/alerting"):
        page = person.get(path).text
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
        assert len([a for a in assets if a.endswith(".css")]) == 1, "one stylesheet"
        total = sum(len(gzip.compress(world["client"].http.get(a).body, 6)) for a in assets)
        assert total <= 150 * 1024, (path, total)


def test_the_chart_shows_the_chosen_period_per_region(world, clock):
    import json
    import re
    from datetime import timedelta

    from result_seeds import put_result

    now = clock.now()
    clock.set(now - timedelta(hours=3))     # results are never read from before its creation
    monitor = website(world["api"])
    clock.set(now)
    for minutes_ago, region, ms in ((120, "UsEast", 300), (10, "UsEast", 100), (10, "EuWest", 200)):
        when = clock.now() - timedelta(minutes=minutes_ago)
        put_result(monitor["id"], int(when.timestamp()), region, ms=ms, status=200)
    person = owner(world)

    def chart(period):
        page = person.get(f"/monitors/{monitor['id']}?period={period}").text
        assert f'aria-current="true">{period}<' in page
        found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page)
        return json.loads(found.group(1))

    hour = chart("1h")
    assert hour["regions"] == ["EuWest", "UsEast"] and hour["values"] == [[200], [100]]
    day = chart("24h")
    assert day["values"] == [[None, 200], [300, 100]]


def test_sign_out_everywhere_ends_only_that_persons_sessions(world):
    laptop, phone = owner(world), owner(world)
    colleague = Person(world["client"]).sign_in(world["account"], "Owner", "other@example.com")
    assert "Sign out everywhere" in phone.get("/session").text
    assert phone.post("/signout/everywhere").status_code == 303
    assert laptop.get("/").status_code == 401
    assert phone.get("/").status_code == 401
    assert colleague.get("/").status_code == 200


def test_sign_in_attempts_are_limited_per_address(world, clock):
    from chalicelib.web import views_session

    stranger = Person(world["client"])
    answers = [stranger.post("/signin", {"link": f"guess{i}"}, csrf=False).status_code
               for i in range(views_session.SIGN_IN_ATTEMPTS + 1)]
    assert answers[:-1] == [400] * views_session.SIGN_IN_ATTEMPTS
    assert answers[-1] == 429
    clock.advance(views_session.SIGN_IN_WINDOW_SECONDS)
    assert stranger.post("/signin", {"link": "guess"}, csrf=False).status_code == 400


def test_the_navigation_offers_keys_and_account_only_to_roles_that_may_open_them(world):
    assert 'href="/settings/keys"' in owner(world).get("/").text
    member_page = owner(world, "Member").get("/").text
    assert 'href="/settings/keys"' not in member_page and 'href="/account"' not in member_page
    assert 'href="/incidents"' in member_page


def test_check_now_counts_in_the_apis_own_tier_per_person(world):
    from chalicelib.http import ratelimits

    monitor = website(world["api"])
    person = owner(world)
    limit = ratelimits.scaled(ratelimits.TIERS["check_now"]).limit
    answers = [person.post(f"/monitors/{monitor['id']}/check").status_code
               for _ in range(limit + 1)]
    assert answers == [303] * limit + [429]
    assert "Slow down" in person.post(f"/monitors/{monitor['id']}/check").text
