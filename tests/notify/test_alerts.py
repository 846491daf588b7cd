import pytest


def test_it_refuses_a_range_whose_from_is_after_to(api):
    response = api.get("/api/alerts?from=2026-03-24T10:00:00Z&to=2026-03-23T10:00:00Z")
    assert response.status_code == 400
    assert response.json["details"] == [{"field": "from", "message": "must not be after `to`"}]


@pytest.mark.parametrize("value", ["nope", "", "Downs", "monitor.exploded"])
def test_an_unknown_type_is_a_400_naming_it_with_the_choices(api, value):
    response = api.get(f"/api/alerts?type={value}")
    assert response.status_code == 400, response.body
    [detail] = response.json["details"]
    assert detail["field"] == "type"
    assert "Down" in detail["message"] and "monitor.down" in detail["message"]


@pytest.mark.parametrize("value", ["Down", "down", "P95RECOVERED", "Test", "monitor.down",
                                   "Incident.Created"])
def test_a_known_type_in_any_case_is_accepted(api, value):
    response = api.get(f"/api/alerts?type={value}")
    assert response.status_code == 200, response.body
    assert response.json == {"items": [], "totalCount": 0}
