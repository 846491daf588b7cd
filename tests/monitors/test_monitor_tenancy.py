import pytest

from apitools import make_account

WEBSITE = {"name": "Theirs", "type": "Website", "url": "https://api.example.com"}

ROUTES = [
    ("GET", "/api/monitors/{id}", None),
    ("PUT", "/api/monitors/{id}", {**WEBSITE, "name": "Mine now"}),
    ("DELETE", "/api/monitors/{id}", None),
    ("POST", "/api/monitors/{id}/pause", None),
    ("POST", "/api/monitors/{id}/resume", None),
    ("POST", "/api/monitors/{id}/check", None),
]


@pytest.mark.parametrize("method, path, body", ROUTES)
def test_another_accounts_monitor_is_exactly_like_a_missing_one(api, method, path, body):
    _, other_key = make_account()
    theirs = api.post("/api/monitors", WEBSITE, key=other_key).json
    foreign = api.request(method, path.format(id=theirs["id"]), body)
    missing = api.request(method, path.format(id="mon_doesnotexist00"), body)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["code"] == missing.json["code"] == "NOT_FOUND"
    untouched = api.get(f"/api/monitors/{theirs['id']}", key=other_key).json
    assert untouched["name"] == "Theirs" and untouched["status"] == "Pending"
    assert api.get("/api/monitors").json["totalCount"] == 0


def test_upsert_by_name_never_reaches_into_another_account(api):
    _, other_key = make_account()
    theirs = api.post("/api/monitors", WEBSITE, key=other_key).json
    mine = api.put("/api/monitors/by-name/Theirs", WEBSITE).json
    assert mine["id"] != theirs["id"]
    assert api.get(f"/api/monitors/{theirs['id']}", key=other_key).json["url"] == WEBSITE["url"]


def test_lists_show_only_the_callers_monitors(api):
    _, other_key = make_account()
    api.post("/api/monitors", WEBSITE, key=other_key)
    api.post("/api/monitors", {**WEBSITE, "name": "Mine"})
    assert [m["name"] for m in api.get("/api/monitors").json["items"]] == ["Mine"]
