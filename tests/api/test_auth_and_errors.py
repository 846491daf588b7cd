import pytest

from apitools import make_account


def test_it_answers_401_without_a_key(api):
    response = api.get("/api/keys", key=None)
    assert response.status_code == 401
    assert response.json["code"] == "UNAUTHORIZED"
    assert set(response.json) == {"error", "message", "code"}


@pytest.mark.parametrize("bad", ["nope", "ek_live_" + "x" * 32, "ek_live_"])
def test_it_answers_401_for_a_bad_key(api, bad):
    assert api.get("/api/keys", key=bad).status_code == 401


def test_it_accepts_the_header_in_any_case(api):
    response = api.get("/api/keys", key=None, headers={"x-api-KEY": api.key})
    assert response.status_code == 200


def test_it_answers_403_for_a_missing_scope(api):
    _, key = make_account(scopes=["monitors:read"])
    response = api.get("/api/keys", key=key)
    assert response.status_code == 403
    assert response.json["code"] == "INSUFFICIENT_SCOPE"


def test_it_answers_400_for_malformed_json(api):
    response = api.post("/api/keys", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("body, field", [
    ({"name": 5, "scopes": ["*"]}, "name"),
    ({"scopes": ["*"]}, "name"),
    ({"name": "x", "scopes": "*"}, "scopes"),
    ({"name": "x", "scopes": ["*"], "colour": "red"}, "colour"),
])
def test_it_names_the_bad_field(api, body, field):
    response = api.post("/api/keys", body)
    assert response.status_code == 400
    assert field in [d["field"] for d in response.json["details"]]


def test_it_hides_unexpected_errors_behind_the_envelope(api, monkeypatch):
    from chalicelib import apikeys

    def explode(account_id):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(apikeys, "list_keys", explode)
    response = api.get("/api/keys")
    assert response.status_code == 500
    assert response.json["code"] == "INTERNAL_ERROR"
    assert "secret internals" not in response.body.decode()


def test_it_shows_the_account_with_plan_limits_and_usage(api):
    account = api.get("/api/account").json
    assert account["plan"] == "Business"
    assert account["limits"]["monitors"] == 200
    assert account["limits"]["apiKeys"] == 50
    assert account["usage"]["apiKeys"] == 1


TIME_WINDOWS = [
    "from=0001-01-01T00:00:00%2B17:15",  # no UTC equivalent (before year 1)
    "to=9999-12-31T23:00:00-17:15",  # nor this one (after year 9999)
    "to=1178-02-20T20:46:28.876723%2B17:15",  # before anything is stored
    "from=9999-12-31T00:00:00Z&to=9999-12-31T12:00:00Z",
]


@pytest.mark.parametrize("window", TIME_WINDOWS)
@pytest.mark.parametrize("route", ["/api/monitors/{id}/results", "/api/monitors/{id}/pings",
                                   "/api/incidents", "/api/incidents/stats",
                                   "/api/incidents/by-monitor", "/api/alerts"])
def test_time_filters_at_the_ends_of_the_calendar_select_nothing(api, route, window):
    monitor = api.post("/api/monitors", {"name": "cron", "type": "Job", "periodSeconds": 3600})
    response = api.get(route.format(id=monitor.json["id"]) + "?" + window)
    assert response.status_code == 200, response.json
    assert not response.json.get("items") and not response.json.get("totalCount")


@pytest.mark.parametrize("instant", ["9999-12-31T23:00:00-17:15", "0001-01-01T00:00:00+01:00",
                                     "1969-12-31T23:59:59Z"])
def test_an_instant_the_store_cannot_hold_is_a_400_naming_the_field(api, instant):
    response = api.post("/api/maintenance-windows",
                        {"name": "m", "allMonitors": True, "startsAt": instant,
                         "endsAt": "2026-03-24T11:00:00Z"})
    assert response.status_code == 400, response.json
    assert response.json["details"][0]["field"] == "startsAt"
    assert "1970" in response.json["details"][0]["message"]
