"""Editing from the dashboard in-process (moto): status pages (settings, components added,
removed and reordered, delete), maintenance windows (one-off, weekly and cron, edit and delete),
teams (rename, members, delete) and escalation policies (create, edit, delete). Each change is
checked through the API, which must hold what the page did; each page family once for a Viewer,
a form without its CSRF token and another account's id."""
import re


from webtools import sign_in as person


def made(api, path, body):
    response = api.post(path, body)
    assert response.status_code == 201, response.json
    return response.json


def monitor(api, name):
    return made(api, "/api/monitors", {"name": name, "type": "Website",
                                       "url": f"https://{name.lower()}.example.com/"})


def status_page_of(world, api=None, slug="acme"):
    api = api or world["api"]
    ids = [monitor(api, n)["id"] for n in ("Shop", "Blog", "Docs")]
    page = made(api, "/api/status-pages", {
        "name": "Acme", "slug": slug, "components": [{"monitorId": i} for i in ids[:2]]})
    return page, ids


def component_form(page, **changes):
    """What the edit form posts for `page` as the API shows it, with `changes` on top."""
    form = {"name": page["name"], "slug": page["slug"], "showUptimeBars": "on"}
    for n, c in enumerate(page["components"]):
        form[f"components.{n}.monitorId"] = c["monitorId"]
        form[f"components.{n}.position"] = str(n + 1)
    return {**form, **changes}


# --- status pages --------------------------------------------------------------------------------

def test_the_status_page_page_links_to_the_public_page_and_shows_its_components(world):
    page, (shop, blog, _) = status_page_of(world)
    listing = person(world).get("/status-pages").text
    assert f'href="/status-pages/{page["id"]}"' in listing
    shown = person(world).get(f"/status-pages/{page['id']}")
    assert shown.status_code == 200
    assert 'id="public-link" href="/status/acme"' in shown.text
    assert shown.text.index(f'value="{shop}"') < shown.text.index(f'value="{blog}"')


def test_a_status_page_edit_saves_settings_and_reorders_removes_and_adds_components(world):
    page, (shop, blog, docs) = status_page_of(world)
    owner = person(world)
    form = component_form(page, **{
        "name": "Acme status", "slug": "acme-status", "description": "All of Acme",
        "showResponseTimes": "on", "components.0.position": "2", "components.1.position": "1",
        "components.0.displayName": "The shop", "components.0.group": "Sales",
        "addMonitorIds": [docs]})
    saved = owner.post(f"/status-pages/{page['id']}", form)
    assert saved.status_code == 303, saved.text
    got = world["api"].get(f"/api/status-pages/{page['id']}").json
    assert (got["name"], got["slug"], got["description"]) == \
        ("Acme status", "acme-status", "All of Acme")
    assert (got["showUptimeBars"], got["showResponseTimes"]) == (True, True)
    assert [(c["monitorId"], c["displayName"], c["group"]) for c in got["components"]] == \
        [(blog, None, None), (shop, "The shop", "Sales"), (docs, None, None)]
    shown = owner.get(saved.headers["location"]).text
    assert "Saved." in shown and 'value="acme-status"' in shown and 'value="The shop"' in shown

    removed = owner.post(f"/status-pages/{page['id']}",
                         component_form(got, **{"components.0.remove": "on"}))
    assert removed.status_code == 303, removed.text
    assert [c["monitorId"] for c in
            world["api"].get(f"/api/status-pages/{page['id']}").json["components"]] == \
        [shop, docs]


def test_a_bad_slug_on_edit_is_a_400_next_to_the_slug_and_nothing_changes(world):
    page, _ = status_page_of(world)
    response = person(world).post(f"/status-pages/{page['id']}",
                                  component_form(page, slug="Not A Slug"))
    assert response.status_code == 400
    assert 'id="slug-error"' in response.text and 'value="Not A Slug"' in response.text
    assert world["api"].get(f"/api/status-pages/{page['id']}").json["slug"] == "acme"


def test_a_bad_component_shows_the_apis_message_on_its_row(world):
    page, _ = status_page_of(world)
    response = person(world).post(f"/status-pages/{page['id']}", component_form(
        page, **{"components.1.displayName": "x" * 101}))
    assert response.status_code == 400
    row = re.search(r'id="components-1-error">([^<]+)<', response.text)
    assert row and "100" in row.group(1)
    assert 'id="components-0-error"' not in response.text


def test_a_place_that_is_not_a_number_is_a_400_on_its_row(world):
    page, _ = status_page_of(world)
    response = person(world).post(f"/status-pages/{page['id']}", component_form(
        page, **{"components.0.position": "first"}))
    assert response.status_code == 400
    assert re.search(r'id="components-0-error">must be a whole number<', response.text)
    assert 'value="first"' in response.text


def test_a_slug_taken_by_another_page_is_a_409_next_to_the_slug(world):
    page, _ = status_page_of(world)
    made(world["api"], "/api/status-pages", {"name": "Other", "slug": "taken"})
    response = person(world).post(f"/status-pages/{page['id']}",
                                  component_form(page, slug="taken"))
    assert response.status_code == 409 and 'id="slug-error">already taken<' in response.text


def test_a_slug_taken_on_create_is_a_409_next_to_the_slug(world):
    made(world["api"], "/api/status-pages", {"name": "Other", "slug": "taken"})
    response = person(world).post("/status-pages", {"name": "Acme", "slug": "taken"})
    assert response.status_code == 409 and 'id="slug-error">already taken<' in response.text
    assert world["api"].get("/api/status-pages").json["totalCount"] == 1


def test_delete_a_status_page_after_confirming(world):
    page, _ = status_page_of(world)
    owner = person(world)
    confirm = owner.get(f"/status-pages/{page['id']}/delete")
    assert confirm.status_code == 200 and "Delete Acme?" in confirm.text
    assert world["api"].get(f"/api/status-pages/{page['id']}").status_code == 200
    deleted = owner.post(f"/status-pages/{page['id']}/delete")
    assert deleted.status_code == 303
    assert world["api"].get(f"/api/status-pages/{page['id']}").status_code == 404


def test_a_viewer_sees_a_status_page_without_forms_and_cannot_change_it(world):
    page, _ = status_page_of(world)
    viewer = person(world, "Viewer")
    shown = viewer.get(f"/status-pages/{page['id']}")
    assert shown.status_code == 200 and 'id="components"' in shown.text
    assert "<form class=\"stack\"" not in shown.text and "/delete" not in shown.text
    assert viewer.post(f"/status-pages/{page['id']}",
                       component_form(page, name="Mine")).status_code == 403
    assert viewer.post(f"/status-pages/{page['id']}/delete").status_code == 403
    assert world["api"].get(f"/api/status-pages/{page['id']}").json["name"] == "Acme"


def test_a_status_page_form_without_its_csrf_token_is_refused(world):
    page, _ = status_page_of(world)
    owner = person(world)
    for form in (component_form(page, name="Forged"), {"csrf": "forged", "name": "Forged"}):
        assert owner.post(f"/status-pages/{page['id']}", form, csrf=False).status_code == 403
    assert owner.post(f"/status-pages/{page['id']}/delete", csrf=False).status_code == 403
    assert world["api"].get(f"/api/status-pages/{page['id']}").json["name"] == "Acme"
    # the same form with the page's token goes through: the refusals were the token's
    assert owner.post(f"/status-pages/{page['id']}",
                      component_form(page, name="Signed")).status_code == 303
    assert world["api"].get(f"/api/status-pages/{page['id']}").json["name"] == "Signed"


def test_another_accounts_status_page_is_a_404_page(world):
    theirs, _ = status_page_of(world, world["other_api"], slug="theirs")
    owner = person(world)
    for path in (f"/status-pages/{theirs['id']}", f"/status-pages/{theirs['id']}/delete"):
        response = owner.get(path)
        assert response.status_code == 404 and "theirs" not in response.text
    assert owner.post(f"/status-pages/{theirs['id']}",
                      component_form(theirs, name="Mine")).status_code == 404
    assert owner.post(f"/status-pages/{theirs['id']}/delete").status_code == 404
    assert world["other_api"].get(f"/api/status-pages/{theirs['id']}").json["name"] == "Acme"


# --- maintenance windows -------------------------------------------------------------------------

def one_off(api):
    return made(api, "/api/maintenance-windows", {
        "name": "Upgrade", "startsAt": "2026-04-01T02:00:00Z", "endsAt": "2026-04-01T03:00:00Z",
        "allMonitors": True})


def test_create_a_weekly_window_for_some_monitors_from_the_list_page(world):
    shop = monitor(world["api"], "Shop")
    owner = person(world)
    created = owner.post("/maintenance", {
        "name": "Backups", "schedule": "Weekly", "weekdays": ["Sat", "Sun"],
        "startTime": "02:30", "durationMinutes": "90", "timezone": "Europe/Paris",
        "startsAt": "2026-04-01T02:00", "scope": "monitorIds", "monitorIds": [shop["id"]]})
    assert created.status_code == 303, created.text
    (window,) = world["api"].get("/api/maintenance-windows").json["items"]
    assert (window["type"], window["weekdays"], window["startTime"], window["durationMinutes"],
            window["timezone"], window["monitorIds"], window["allMonitors"],
            window["startsAt"]) == \
        ("Weekly", ["Sat", "Sun"], "02:30", 90, "Europe/Paris", [shop["id"]], False, None)
    assert f'href="/maintenance/{window["id"]}"' in owner.get("/maintenance").text


def test_create_a_cron_window_with_a_missing_duration_is_a_400_on_the_duration(world):
    response = person(world).post("/maintenance", {
        "name": "Nightly", "schedule": "Cron", "cronExpression": "0 2 * * *", "scope": "tags",
        "tags": "db, eu"})
    assert response.status_code == 400
    assert 'id="durationMinutes-error"' in response.text
    assert 'value="0 2 * * *"' in response.text and 'value="db, eu"' in response.text
    assert world["api"].get("/api/maintenance-windows").json["totalCount"] == 0


def test_edit_a_one_off_window_into_a_cron_window_for_tagged_monitors(world):
    window = one_off(world["api"])
    owner = person(world)
    shown = owner.get(f"/maintenance/{window['id']}").text
    assert 'value="2026-04-01T02:00"' in shown and 'value="Upgrade"' in shown
    saved = owner.post(f"/maintenance/{window['id']}", {
        "name": "Patch night", "schedule": "Cron", "cronExpression": "0 3 * * 2",
        "durationMinutes": "45", "timezone": "UTC", "startsAt": "2026-04-01T02:00",
        "endsAt": "2026-04-01T03:00", "scope": "tags", "tags": "db, eu",
        "notifySubscribers": "on"})
    assert saved.status_code == 303, saved.text
    got = world["api"].get(f"/api/maintenance-windows/{window['id']}").json
    assert (got["name"], got["type"], got["cronExpression"], got["durationMinutes"],
            got["tags"], got["allMonitors"], got["startsAt"], got["notifySubscribers"]) == \
        ("Patch night", "Cron", "0 3 * * 2", 45, ["db", "eu"], False, None, True)
    again = owner.get(saved.headers["location"]).text
    assert 'value="0 3 * * 2"' in again and 'value="db, eu"' in again
    assert 'name="schedule" value="Cron" checked' in again


def test_a_window_ending_before_it_starts_is_a_400_on_the_end(world):
    window = one_off(world["api"])
    response = person(world).post(f"/maintenance/{window['id']}", {
        "name": "Upgrade", "schedule": "OneOff", "startsAt": "2026-04-01T03:00",
        "endsAt": "2026-04-01T02:00", "scope": "allMonitors"})
    assert response.status_code == 400
    assert re.search(r'id="endsAt-error">must be after startsAt<', response.text)
    assert world["api"].get(f"/api/maintenance-windows/{window['id']}").json["endsAt"] == \
        "2026-04-01T03:00:00Z"


def test_delete_a_maintenance_window_after_confirming(world):
    window = one_off(world["api"])
    owner = person(world)
    assert "Delete Upgrade?" in owner.get(f"/maintenance/{window['id']}/delete").text
    assert owner.post(f"/maintenance/{window['id']}/delete").status_code == 303
    assert world["api"].get(f"/api/maintenance-windows/{window['id']}").status_code == 404


def test_maintenance_walls_viewer_csrf_and_another_account(world):
    window = one_off(world["api"])
    theirs = one_off(world["other_api"])
    viewer = person(world, "Viewer")
    shown = viewer.get(f"/maintenance/{window['id']}")
    assert shown.status_code == 200 and 'id="window-summary"' in shown.text
    assert 'name="schedule"' not in shown.text
    assert viewer.post(f"/maintenance/{window['id']}", {"name": "Mine"}).status_code == 403
    assert viewer.post(f"/maintenance/{window['id']}/delete").status_code == 403
    owner = person(world)
    assert owner.post(f"/maintenance/{window['id']}", {"name": "Forged"},
                      csrf=False).status_code == 403
    assert owner.get(f"/maintenance/{theirs['id']}").status_code == 404
    assert owner.post(f"/maintenance/{theirs['id']}/delete").status_code == 404
    assert world["api"].get(f"/api/maintenance-windows/{window['id']}").json["name"] == "Upgrade"
    assert world["other_api"].get(f"/api/maintenance-windows/{theirs['id']}").status_code == 200


# --- teams ---------------------------------------------------------------------------------------

def team_of(api, name="Ops"):
    return made(api, "/api/teams", {"name": name, "members": [
        {"email": "ann@example.com", "role": "Admin"}]})


def test_rename_a_team_keeping_its_members(world):
    team = team_of(world["api"])
    owner = person(world)
    assert f'href="/teams/{team["id"]}"' in owner.get("/teams").text
    saved = owner.post(f"/teams/{team['id']}", {"name": "Operations"})
    assert saved.status_code == 303, saved.text
    got = world["api"].get(f"/api/teams/{team['id']}").json
    assert got["name"] == "Operations"
    assert [(m["id"], m["email"], m["role"]) for m in got["members"]] == \
        [(m["id"], m["email"], m["role"]) for m in team["members"]]
    assert "<h1>Operations</h1>" in owner.get(saved.headers["location"]).text


def test_add_and_remove_a_team_member(world):
    team = team_of(world["api"])
    owner = person(world)
    added = owner.post(f"/teams/{team['id']}/members", {"email": "bob@example.com",
                                                         "role": "Viewer"})
    assert added.status_code == 303, added.text
    members = world["api"].get(f"/api/teams/{team['id']}").json["members"]
    assert [(m["email"], m["role"]) for m in members] == \
        [("ann@example.com", "Admin"), ("bob@example.com", "Viewer")]
    assert "bob@example.com" in owner.get(f"/teams/{team['id']}").text
    ann = members[0]["id"]
    assert owner.post(f"/teams/{team['id']}/members/{ann}/remove").status_code == 303
    assert [m["email"] for m in world["api"].get(f"/api/teams/{team['id']}").json["members"]] \
        == ["bob@example.com"]


def test_a_bad_member_email_is_a_400_next_to_the_email(world):
    team = team_of(world["api"])
    response = person(world).post(f"/teams/{team['id']}/members", {"email": "not an address",
                                                                    "role": "Member"})
    assert response.status_code == 400
    assert 'id="email-error"' in response.text and 'value="not an address"' in response.text
    assert world["api"].get(f"/api/teams/{team['id']}").json["memberCount"] == 1


def test_an_empty_team_name_is_a_400_next_to_the_name(world):
    team = team_of(world["api"])
    response = person(world).post(f"/teams/{team['id']}", {"name": ""})
    assert response.status_code == 400 and 'id="name-error"' in response.text
    assert world["api"].get(f"/api/teams/{team['id']}").json["name"] == "Ops"


def test_delete_a_team_after_confirming(world):
    team = team_of(world["api"])
    owner = person(world)
    assert "Delete Ops?" in owner.get(f"/teams/{team['id']}/delete").text
    assert owner.post(f"/teams/{team['id']}/delete").status_code == 303
    assert world["api"].get(f"/api/teams/{team['id']}").status_code == 404


def test_team_walls_viewer_csrf_and_another_account(world):
    team = team_of(world["api"])
    theirs = team_of(world["other_api"], "Theirs")
    viewer = person(world, "Viewer")
    shown = viewer.get(f"/teams/{team['id']}")
    assert shown.status_code == 200 and "ann@example.com" in shown.text
    assert "Add member" not in shown.text and "/remove" not in shown.text
    member = team["members"][0]["id"]
    for path, form in ((f"/teams/{team['id']}", {"name": "Mine"}),
                       (f"/teams/{team['id']}/members", {"email": "eve@example.com"}),
                       (f"/teams/{team['id']}/members/{member}/remove", {}),
                       (f"/teams/{team['id']}/delete", {})):
        assert viewer.post(path, form).status_code == 403, path
    owner = person(world)
    assert owner.post(f"/teams/{team['id']}/members", {"email": "eve@example.com"},
                      csrf=False).status_code == 403
    for path in (f"/teams/{theirs['id']}", f"/teams/{theirs['id']}/delete"):
        response = owner.get(path)
        assert response.status_code == 404 and "Theirs" not in response.text
    assert owner.post(f"/teams/{theirs['id']}/members",
                      {"email": "eve@example.com"}).status_code == 404
    got = world["api"].get(f"/api/teams/{team['id']}").json
    assert (got["name"], got["memberCount"]) == ("Ops", 1)
    assert world["other_api"].get(f"/api/teams/{theirs['id']}").json["memberCount"] == 1


# --- escalation policies -------------------------------------------------------------------------

def channel_of(api, name="Mail"):
    return made(api, "/api/alert-channels", {"name": name, "type": "Email",
                                             "addresses": ["ops@example.com"]})


def test_create_an_escalation_policy_with_two_levels(world):
    mail, pager = channel_of(world["api"]), channel_of(world["api"], "Pager")
    team = team_of(world["api"])
    owner = person(world)
    assert 'href="/alerting/policies/new"' in owner.get("/alerting").text
    assert owner.get("/alerting/policies/new").status_code == 200
    created = owner.post("/alerting/policies/new", {
        "name": "Wake someone", "repeat": "2",
        "levels.0.delayMinutes": "0", "levels.0.channelIds": [mail["id"]],
        "levels.1.delayMinutes": "15", "levels.1.channelIds": [pager["id"]],
        "levels.1.teamIds": [team["id"]], "levels.2.delayMinutes": ""})
    assert created.status_code == 303, created.text
    (policy,) = world["api"].get("/api/escalation-policies").json["items"]
    assert (policy["name"], policy["repeat"]) == ("Wake someone", 2)
    assert [(lv["delayMinutes"], lv["channelIds"], lv["teamIds"]) for lv in policy["levels"]] == \
        [(0, [mail["id"]], []), (15, [pager["id"]], [team["id"]])]
    assert created.headers["location"].startswith(f"/alerting/policies/{policy['id']}")
    assert f'href="/alerting/policies/{policy["id"]}">Wake someone</a> (2 levels)' in \
        owner.get("/alerting").text


def test_edit_an_escalation_policy_removing_and_changing_levels(world):
    mail, pager = channel_of(world["api"]), channel_of(world["api"], "Pager")
    policy = made(world["api"], "/api/escalation-policies", {"name": "Night", "levels": [
        {"delayMinutes": 0, "channelIds": [mail["id"]]},
        {"delayMinutes": 10, "channelIds": [pager["id"]]}]})
    owner = person(world)
    shown = owner.get(f"/alerting/policies/{policy['id']}").text
    assert 'name="levels.1.delayMinutes" min="0" value="10"' in shown
    assert 'name="levels.3.delayMinutes"' in shown   # two empty levels to fill in
    saved = owner.post(f"/alerting/policies/{policy['id']}", {
        "name": "Night shift", "repeat": "0",
        "levels.0.delayMinutes": "0", "levels.0.channelIds": [mail["id"]],
        "levels.0.remove": "on",
        "levels.1.delayMinutes": "5", "levels.1.channelIds": [pager["id"], mail["id"]]})
    assert saved.status_code == 303, saved.text
    got = world["api"].get(f"/api/escalation-policies/{policy['id']}").json
    assert got["name"] == "Night shift"
    assert [(lv["delayMinutes"], lv["channelIds"]) for lv in got["levels"]] == \
        [(5, [pager["id"], mail["id"]])]
    assert "Saved." in owner.get(saved.headers["location"]).text


def test_a_level_without_a_target_shows_the_apis_message_on_its_row(world):
    mail = channel_of(world["api"])
    response = person(world).post("/alerting/policies/new", {
        "name": "Half", "levels.0.channelIds": [mail["id"]], "levels.0.delayMinutes": "0",
        "levels.1.delayMinutes": "30"})
    assert response.status_code == 400
    row = re.search(r'id="levels-1-error">([^<]+)<', response.text)
    assert row and "channelIds or teamIds" in row.group(1)
    assert 'name="levels.1.delayMinutes" min="0" value="30"' in response.text
    assert world["api"].get("/api/escalation-policies").json["totalCount"] == 0


def test_a_bad_repeat_is_a_400_next_to_it(world):
    mail = channel_of(world["api"])
    response = person(world).post("/alerting/policies/new", {
        "name": "Loud", "repeat": "99", "levels.0.channelIds": [mail["id"]]})
    assert response.status_code == 400 and 'id="repeat-error"' in response.text


def test_delete_an_escalation_policy_after_confirming(world):
    mail = channel_of(world["api"])
    policy = made(world["api"], "/api/escalation-policies", {
        "name": "Night", "levels": [{"channelIds": [mail["id"]]}]})
    owner = person(world)
    assert "Delete Night?" in owner.get(f"/alerting/policies/{policy['id']}/delete").text
    assert owner.post(f"/alerting/policies/{policy['id']}/delete").status_code == 303
    assert world["api"].get(f"/api/escalation-policies/{policy['id']}").status_code == 404


def test_policy_walls_viewer_csrf_and_another_account(world):
    mail = channel_of(world["api"])
    policy = made(world["api"], "/api/escalation-policies", {
        "name": "Night", "levels": [{"channelIds": [mail["id"]]}]})
    their_mail = channel_of(world["other_api"], "Their mail")
    theirs = made(world["other_api"], "/api/escalation-policies", {
        "name": "Theirs", "levels": [{"channelIds": [their_mail["id"]]}]})
    viewer = person(world, "Viewer")
    shown = viewer.get(f"/alerting/policies/{policy['id']}")
    assert shown.status_code == 200 and 'id="levels"' in shown.text and "Mail" in shown.text
    assert "levels.0.delayMinutes" not in shown.text
    assert viewer.get("/alerting/policies/new").status_code == 403
    assert 'href="/alerting/policies/new"' not in viewer.get("/alerting").text
    body = {"name": "Mine", "levels.0.channelIds": [mail["id"]]}
    assert viewer.post(f"/alerting/policies/{policy['id']}", body).status_code == 403
    assert viewer.post("/alerting/policies/new", body).status_code == 403
    assert viewer.post(f"/alerting/policies/{policy['id']}/delete").status_code == 403
    owner = person(world)
    assert owner.post(f"/alerting/policies/{policy['id']}", body, csrf=False).status_code == 403
    for path in (f"/alerting/policies/{theirs['id']}",
                 f"/alerting/policies/{theirs['id']}/delete"):
        response = owner.get(path)
        assert response.status_code == 404 and "Theirs" not in response.text
    assert owner.post(f"/alerting/policies/{theirs['id']}", body).status_code == 404
    assert world["api"].get(f"/api/escalation-policies/{policy['id']}").json["name"] == "Night"
    assert world["api"].get("/api/escalation-policies").json["totalCount"] == 1
    assert world["other_api"].get(f"/api/escalation-policies/{theirs['id']}").json["name"] == \
        "Theirs"


def test_another_accounts_channel_in_a_level_is_a_400_on_that_row(world):
    mail = channel_of(world["api"])
    their_mail = channel_of(world["other_api"], "Their mail")
    response = person(world).post("/alerting/policies/new", {
        "name": "Sneaky", "levels.0.channelIds": [mail["id"]],
        "levels.1.delayMinutes": "5", "levels.1.channelIds": [their_mail["id"]]})
    assert response.status_code == 400
    assert re.search(r'id="levels-1-error">alert channel ch_\w+ does not exist<', response.text)
    assert "Their mail" not in response.text
