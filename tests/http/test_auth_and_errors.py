import json

import pytest

from apitools import aws_calls, make_account


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
    from chalicelib.accounts import keys as apikeys

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


# --- bodies: too deep, too large, not an object ---------------------------------------------------

WRITE_ROUTES = [("POST", "/api/monitors"), ("POST", "/api/alert-channels"),
                ("POST", "/api/keys"), ("POST", "/api/status-pages"),
                ("POST", "/api/incidents"), ("POST", "/api/escalation-policies")]


def nested(depth: int, inner: str = "1") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


@pytest.mark.parametrize("method, path", WRITE_ROUTES)
@pytest.mark.parametrize("raw", [nested(1_000), nested(100_000),
                                 b'{"name": ' + nested(5_000) + b"}"])
def test_json_nested_too_deep_for_the_parser_is_a_400_naming_the_body(api, method, path, raw):
    response = api.request(method, path, raw=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.body
    assert response.json["code"] == "VALIDATION_ERROR"
    assert response.json["details"] == [{"field": "body", "message": "nested too deeply"}]


def test_json_nested_deep_but_parseable_is_a_400_naming_the_field(api):
    body = b'{"name": "deep", "type": "Website", "url": "https://a.example.com", "tags": ' \
        + nested(900, '"x"') + b"}"
    response = api.post("/api/monitors", raw=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.body
    assert response.json["details"][0]["field"].startswith("tags")


def test_a_body_over_1_mib_is_a_413_in_the_envelope(api):
    from chalicelib.http.endpoint import MAX_BODY_BYTES

    padded = b'{"name": "big", "scopes": ["*"]}'.ljust(MAX_BODY_BYTES + 1)
    response = api.post("/api/keys", raw=padded, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json["code"] == "PAYLOAD_TOO_LARGE"
    assert set(response.json) == {"error", "message", "code"}
    assert api.get("/api/keys").json["totalCount"] == 1      # nothing created
    at_the_limit = api.post("/api/keys", raw=padded[:MAX_BODY_BYTES],
                            headers={"Content-Type": "application/json"})
    assert at_the_limit.status_code == 201, at_the_limit.body


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_ping_over_1_mib_is_a_413_without_a_key(api, method):
    job = api.post("/api/monitors", {"name": "cron", "type": "Job", "periodSeconds": 3600}).json
    response = api.request(method, f"/ping/{job['pingToken']}", key=None, raw=b"x" * (2 << 20),
                           headers={"Content-Type": "text/plain"})
    assert response.status_code == 413
    assert response.json["code"] == "PAYLOAD_TOO_LARGE"
    assert api.get(f"/api/monitors/{job['id']}/pings").json["totalCount"] == 0


def model_class_names() -> set[str]:
    import app  # noqa: F401  (every route, so every request model, is imported)
    from chalicelib.kernel.models import ApiModel

    names, todo = set(), [ApiModel]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


@pytest.mark.parametrize("method, path", WRITE_ROUTES)
@pytest.mark.parametrize("body", [[1], "text", 3, None, True])
def test_a_body_that_is_not_an_object_is_named_so_without_internal_class_names(api, method, path,
                                                                               body):
    response = api.request(method, path, raw=json.dumps(body),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.body
    assert response.json["details"] == [{"field": "body", "message": "must be a JSON object"}]
    assert not [n for n in model_class_names() if n in response.body.decode()]
    assert "instance of" not in response.body.decode()


@pytest.mark.parametrize("path, body, field", [
    ("/api/status-pages", {"name": "P", "slug": "nested-page", "components": ["mon_x"]},
     "components.0"),
    ("/api/escalation-policies", {"name": "E", "levels": ["ch_x"]}, "levels.0"),
    ("/api/monitors", {"name": "M", "type": "Website", "url": "https://a.example.com",
                       "requestHeaders": ["X-A: b"]}, "requestHeaders"),
])
def test_a_nested_value_that_is_not_an_object_names_its_field(api, path, body, field):
    response = api.post(path, body)
    assert response.status_code == 400, response.body
    assert {"field": field, "message": "must be a JSON object"} in response.json["details"]
    assert not [n for n in model_class_names() if n in response.body.decode()]


@pytest.mark.parametrize("path", ["/api/incidents", "/api/alerts"])
@pytest.mark.parametrize("value", ["mon_" + "a" * 2000, "not-an-id"])
def test_a_monitor_filter_that_cannot_be_a_monitor_id_is_a_400_naming_it(api, path, value):
    with aws_calls(with_params=True) as calls:
        response = api.get(f"{path}?monitorId={value}")
    assert response.status_code == 400, response.body
    assert response.json["details"] == [{"field": "monitorId",
                                         "message": "must be a monitor id (mon_...)"}]
    assert not [op for op, params in calls if value in repr(params)]
