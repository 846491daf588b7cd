"""/api/config/plan, /apply and /export: monitors as code, keyed by name."""
import json

import pytest

DOCUMENT = {
    "channels": {"ops": {"type": "Email", "addresses": ["ops@example.com"]}},
    "monitors": {
        "host": {"type": "Ping", "url": "db.example.com", "alertChannels": ["ops"]},
        "shop": {"type": "Website", "url": "https://shop.example.com", "dependsOn": ["host"],
                 "tags": ["prod"]},
    },
    "rules": {"prod pages": {"tags": ["prod"], "channels": ["ops"]}},
    "statusPages": {"Acme": {"slug": "acme-e19", "components": [{"monitor": "shop"}]}},
}


def plan(api, document, query=""):
    response = api.post(f"/api/config/plan{query}", document)
    assert response.status_code == 200, response.json
    return response.json["changes"]


def apply(api, document, query=""):
    response = api.post(f"/api/config/apply{query}", document)
    assert response.status_code == 200, response.json
    return response.json["applied"]


def test_plan_lists_creates_parents_first(api):
    changes = plan(api, DOCUMENT)
    assert [(c["kind"], c["name"], c["action"]) for c in changes] == [
        ("channels", "ops", "create"), ("monitors", "host", "create"),
        ("monitors", "shop", "create"), ("rules", "prod pages", "create"),
        ("statusPages", "Acme", "create")]
    assert api.get("/api/monitors").json["items"] == []     # a plan writes nothing


def test_apply_then_plan_shows_no_diff_and_a_second_apply_changes_nothing(api):
    applied = apply(api, DOCUMENT)
    assert len(applied) == 5
    assert plan(api, DOCUMENT) == []
    assert apply(api, DOCUMENT) == []
    monitors = {m["name"]: m for m in api.get("/api/monitors").json["items"]}
    shop = api.get(f"/api/monitors/{monitors['shop']['id']}").json
    assert shop["dependsOn"] == [monitors["host"]["id"]]
    [rule] = api.get("/api/alert-rules").json["items"]
    [channel] = api.get("/api/alert-channels").json["items"]
    assert rule["channelIds"] == [channel["id"]]


def test_an_out_of_band_change_appears_as_an_update_with_the_field(api):
    apply(api, DOCUMENT)
    shop = next(m for m in api.get("/api/monitors").json["items"] if m["name"] == "shop")
    assert api.patch(f"/api/monitors/{shop['id']}", {"intervalSeconds": 300}).status_code == 200
    assert plan(api, DOCUMENT) == [{"kind": "monitors", "name": "shop", "action": "update",
                                    "changes": {"intervalSeconds": {"from": 300, "to": 60}}}]
    apply(api, DOCUMENT)
    assert api.get(f"/api/monitors/{shop['id']}").json["intervalSeconds"] == 60


def test_references_show_by_name_in_changes(api):
    apply(api, DOCUMENT)
    changed = json.loads(json.dumps(DOCUMENT))
    changed["channels"]["pager"] = {"type": "Email", "addresses": ["pager@example.com"]}
    changed["monitors"]["host"]["alertChannels"] = ["ops", "pager"]
    changes = plan(api, changed)
    assert changes == [
        {"kind": "channels", "name": "pager", "action": "create"},
        {"kind": "monitors", "name": "host", "action": "update",
         "changes": {"alertChannels": {"from": ["ops"], "to": ["ops", "pager"]}}}]


def test_delete_only_when_asked(api):
    apply(api, DOCUMENT)
    smaller = json.loads(json.dumps(DOCUMENT))
    del smaller["statusPages"]["Acme"]
    assert plan(api, smaller) == []
    assert plan(api, smaller, "?delete=true") == [
        {"kind": "statusPages", "name": "Acme", "action": "delete"}]
    apply(api, smaller, "?delete=true")
    assert api.get("/api/status-pages").json["items"] == []


def test_export_is_a_document_that_plans_to_nothing(api):
    apply(api, DOCUMENT)
    exported = api.get("/api/config/export").json
    assert exported["monitors"]["shop"]["dependsOn"] == ["host"]
    assert exported["statusPages"]["Acme"]["components"][0]["monitor"] == "shop"
    assert exported["rules"]["prod pages"]["channels"] == ["ops"]
    assert plan(api, exported, "?delete=true") == []


def test_a_bad_field_is_a_400_naming_the_object_and_field(api):
    bad = {"monitors": {"shop": {"type": "Website", "url": "not a url"}}}
    response = api.post("/api/config/plan", bad)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "monitors.shop.url"


def test_an_unknown_reference_is_a_400_naming_it(api):
    response = api.post("/api/config/plan", {"monitors": {
        "shop": {"type": "Website", "url": "https://s.example.com", "alertChannels": ["nope"]}}})
    assert response.status_code == 400
    assert response.json["details"] == [{"field": "monitors.shop.alertChannels",
                                         "message": "no channel named 'nope'"}]


def test_a_cycle_in_the_document_is_a_400_naming_it(api):
    response = api.post("/api/config/plan", {"monitors": {
        "a": {"type": "Ping", "url": "a.example.com", "dependsOn": ["b"]},
        "b": {"type": "Ping", "url": "b.example.com", "dependsOn": ["a"]}}})
    assert response.status_code == 400
    assert response.json["details"][0]["message"] == "would make a dependency cycle: a -> b -> a"


def test_yaml_is_taken_too(api):
    import yaml

    response = api.request("POST", "/api/config/plan", raw=yaml.safe_dump(DOCUMENT),
                           headers={"Content-Type": "application/yaml"})
    assert response.status_code == 200, response.json
    assert response.json["changeCount"] == 5


@pytest.mark.parametrize("scopes, status", [
    (("monitors:read", "alerts:read", "status-pages:read"), 403),
    (("config:write",), 403),
    (("config:read",), 200)])
def test_plan_needs_the_config_read_scope(api, scopes, status):
    from apitools import make_account

    _, key = make_account(scopes=scopes)
    assert api.post("/api/config/plan", DOCUMENT, key=key).status_code == status


def test_the_schema_is_served_beside_the_openapi_document(api):
    response = api.get("/openapi/config.schema.json", key=None)
    assert response.status_code == 200
    schema = response.json
    assert set(schema["properties"]) == {"channels", "monitors", "rules", "statusPages"}
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)
    errors = list(Draft202012Validator(schema).iter_errors(DOCUMENT))
    assert errors == []


@pytest.mark.parametrize("document, field", [
    ({"monitors": {"a": {"type": "Ping", "url": "a.example.com", "dependsOn": 5}}},
     "monitors.a.dependsOn"),
    ({"monitors": {"a": "nope"}}, "monitors.a"),
    ({"monitors": []}, "monitors"),
    ({"dashboards": {}}, "dashboards"),
    ([], "body"),
    ({"statusPages": {"P": {"slug": "p-page", "components": [{"monitorId": "mon_x"}]}}},
     "statusPages.P.components.0.monitor"),
])
def test_malformed_documents_are_400s_naming_the_field(api, document, field):
    response = api.post("/api/config/plan", document)
    assert response.status_code == 400, response.json
    assert response.json["details"][0]["field"] == field


def test_creating_monitors_counts_in_the_create_monitor_quota(api):
    from chalicelib.http.ratelimits import TIERS

    limit = TIERS["create_monitor"].limit
    document = {"monitors": {f"m{i}": {"type": "Ping", "url": f"m{i}.example.com"}
                             for i in range(limit + 1)}}
    response = api.post("/api/config/apply", document)
    assert response.status_code == 429
    assert len(api.get("/api/monitors?limit=100").json["items"]) == limit
    assert plan(api, document) == [{"kind": "monitors", "name": f"m{limit}", "action": "create"}]
