"""Clients generated from our responses send them back: every object a client can create and
replace takes its own representation (GET) as a PUT and POST body. Read-only names are ignored,
an `id` other than the path's is a 400, and a truly unknown name stays a 400 naming it."""
import pytest

from app import app
from chalicelib.http.endpoint import ROUTES

HOOK = {"name": "Hook", "type": "Webhook", "webhookUrl": "https://hooks.example.com/in",
        "secret": "whsec-long-enough"}


def build(api) -> dict[str, tuple[str, dict]]:
    """One object of each kind: collection path -> (item path, its GET representation)."""
    channel = api.post("/api/alert-channels", HOOK).json["id"]
    team = api.post("/api/teams", {"name": "Ops", "members": [{"email": "oncall@example.com"}]})
    monitor = api.post("/api/monitors", {"name": "Site", "type": "Website",
                                         "url": "https://api.example.com"}).json["id"]
    bodies = {
        "/api/alert-rules": {"name": "All", "allMonitors": True, "channelIds": [channel]},
        "/api/escalation-policies": {"name": "Policy", "levels": [
            {"channelIds": [channel]}, {"delayMinutes": 10, "teamIds": [team.json["id"]]}]},
        "/api/maintenance-windows": {"name": "Window", "startsAt": "2030-04-01T00:00:00Z",
                                     "endsAt": "2030-04-01T01:00:00Z", "monitorIds": [monitor]},
        "/api/status-pages": {"name": "Status", "slug": "status-x",
                              "components": [{"monitorId": monitor, "displayName": "API"}]},
    }
    ids = {"/api/alert-channels": channel, "/api/teams": team.json["id"],
           "/api/monitors": monitor}
    for path, body in bodies.items():
        response = api.post(path, body)
        assert response.status_code == 201, (path, response.json)
        ids[path] = response.json["id"]
    return {path: (f"{path}/{object_id}", api.get(f"{path}/{object_id}").json)
            for path, object_id in ids.items()}


KINDS = ["/api/monitors", "/api/alert-channels", "/api/alert-rules", "/api/escalation-policies",
         "/api/maintenance-windows", "/api/status-pages", "/api/teams"]


@pytest.fixture
def objects(api):
    return build(api)


def test_every_object_with_a_put_is_covered():
    posts = {r["path"] for r in ROUTES
             if r["method"] == "POST" and r["representation"] is not None}
    assert posts == set(KINDS)
    assert all("PUT" in app.routes[f"{path}/{{{name}}}"] for path, name in zip(
        KINDS, ["monitor_id", "channel_id", "rule_id", "policy_id", "window_id", "page_id",
                "team_id"]))


@pytest.mark.parametrize("kind", KINDS)
def test_a_put_of_the_get_representation_is_accepted(api, objects, kind):
    item_path, read = objects[kind]
    response = api.put(item_path, read)
    assert response.status_code == 200, response.json
    assert response.json["id"] == read["id"]
    assert response.json["createdAt"] == read["createdAt"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_id_other_than_the_path_s_is_a_400(api, objects, kind):
    item_path, read = objects[kind]
    response = api.put(item_path, {**read, "id": read["id"] + "x"})
    assert response.status_code == 400
    assert [d["field"] for d in response.json["details"]] == ["id"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_truly_unknown_name_is_still_a_400_naming_it(api, objects, kind):
    item_path, read = objects[kind]
    response = api.put(item_path, {**read, "colour": "red"})
    assert response.status_code == 400
    assert [d["field"] for d in response.json["details"]] == ["colour"]


def test_nested_read_only_names_are_ignored_and_nested_unknown_ones_named(api, objects):
    item_path, team = objects["/api/teams"]
    assert set(team["members"][0]) >= {"id", "addedAt"}
    assert api.put(item_path, team).status_code == 200
    bad = {**team, "members": [{**team["members"][0], "colour": "red"}]}
    assert api.put(item_path, bad).json["details"][0]["field"] == "members.0.colour"


@pytest.mark.parametrize("kind", ["/api/alert-rules", "/api/escalation-policies",
                                  "/api/teams", "/api/alert-channels"])
def test_a_post_of_a_read_representation_creates_another(api, objects, kind):
    _, read = objects[kind]
    response = api.post(kind, {**read, "name": "Another"})
    assert response.status_code == 201, response.json
    assert response.json["id"] != read["id"]
