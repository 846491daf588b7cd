"""Monitor dependencies on the dashboard: an incident lists the dependents that joined it ("also
affected"), and the monitor form sets `dependsOn` (checked through the API)."""
import re


from webtools import sign_in as owner


def website(api, name, **extra):
    response = api.post("/api/monitors", {"name": name, "type": "Website",
                                          "url": f"https://{name}.example.com/", **extra})
    assert response.status_code == 201, response.json
    return response.json


def test_an_incident_page_lists_the_monitors_also_affected_with_their_status(world):
    from chalicelib.storage import incidents as store
    from chalicelib.storage.incidents import IncidentItem

    api = world["api"]
    host = website(api, "host")
    shop, blog = website(api, "shop"), website(api, "blog")
    made = api.post("/api/incidents", {"title": "Host down", "monitorId": host["id"]}).json
    # What the incident consumer does when a dependent's Down joins its parent's incident.
    store.get_incident(world["account"], made["id"]).update(
        actions=[IncidentItem.affected_monitor_ids.add({shop["id"], blog["id"]})])
    assert len(api.get(f"/api/incidents/{made['id']}").json["alsoAffected"]) == 2

    page = owner(world).get(f"/incidents/{made['id']}").text
    listed = page.split('id="also-affected"')[1].split("</ul>")[0]
    for monitor in (shop, blog):
        assert re.search(rf'<a href="/monitors/{monitor["id"]}">{monitor["name"]}</a> '
                         rf'<span class="status status-Pending">Pending</span>', listed)


def test_an_incident_without_dependents_shows_no_such_list(world):
    made = world["api"].post("/api/incidents", {"title": "Slow"}).json
    page = owner(world).get(f"/incidents/{made['id']}").text
    assert "Also affected" not in page


def test_depends_on_round_trips_through_the_monitor_form(world):
    api, person = world["api"], owner(world)
    host, db = website(api, "host"), website(api, "db")
    new_form = person.get("/monitors/new").text
    assert re.search(r'<select name="dependsOn" multiple', new_form)
    assert f'<option value="{host["id"]}">host</option>' in new_form

    made = person.post("/monitors/new", {
        "name": "shop", "type": "Website", "url": "https://shop.example.com/",
        "intervalSeconds": "60", "regions": ["UsEast"], "dependsOn": [host["id"], db["id"]]})
    assert made.status_code == 303, made.text
    shop_id = made.headers["location"].split("/")[-1].split("?")[0]
    assert sorted(api.get(f"/api/monitors/{shop_id}").json["dependsOn"]) == \
        sorted([host["id"], db["id"]])

    edit = person.get(f"/monitors/{shop_id}/edit").text
    assert f'<option value="{host["id"]}" selected>host</option>' in edit
    assert f'<option value="{shop_id}"' not in edit          # not its own parent
    saved = person.post(f"/monitors/{shop_id}/edit", {
        "name": "shop", "type": "Website", "url": "https://shop.example.com/",
        "intervalSeconds": "60", "regions": ["UsEast"], "dependsOn": [db["id"]]})
    assert saved.status_code == 303, saved.text
    assert api.get(f"/api/monitors/{shop_id}").json["dependsOn"] == [db["id"]]

    cleared = person.post(f"/monitors/{shop_id}/edit", {
        "name": "shop", "type": "Website", "url": "https://shop.example.com/",
        "intervalSeconds": "60", "regions": ["UsEast"]})
    assert cleared.status_code == 303
    assert api.get(f"/api/monitors/{shop_id}").json["dependsOn"] == []


def test_a_dependency_cycle_is_a_400_next_to_depends_on(world):
    api, person = world["api"], owner(world)
    host = website(api, "host")
    child = website(api, "child", dependsOn=[host["id"]])
    response = person.post(f"/monitors/{host['id']}/edit", {
        "name": "host", "type": "Website", "url": "https://host.example.com/",
        "intervalSeconds": "60", "regions": ["UsEast"], "dependsOn": [child["id"]]})
    assert response.status_code == 400
    assert 'id="dependsOn-error"' in response.text
    assert f'<option value="{child["id"]}" selected>child</option>' in response.text
