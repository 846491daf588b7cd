def test_it_refuses_a_range_whose_from_is_after_to(api):
    response = api.get("/api/alerts?from=2026-03-24T10:00:00Z&to=2026-03-23T10:00:00Z")
    assert response.status_code == 400
    assert response.json["details"] == [{"field": "from", "message": "must not be after `to`"}]
