from apitools import make_account

WEBSITE = {"type": "Website", "url": "https://api.example.com"}


def test_every_authenticated_response_carries_the_headers(api):
    response = api.get("/api/monitors")
    assert response.headers["X-RateLimit-Limit"] == "200"
    assert response.headers["X-RateLimit-Remaining"] == "199"
    assert int(response.headers["X-RateLimit-Reset"]) % 60 == 0


def test_the_11th_monitor_create_in_an_hour_is_429_with_retry_after(api, clock):
    for i in range(10):
        assert api.post("/api/monitors", {**WEBSITE, "name": f"m{i}"}).status_code == 201
    response = api.post("/api/monitors", {**WEBSITE, "name": "m10"})
    assert response.status_code == 429
    assert response.json["code"] == "RATE_LIMITED"
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_a_second_key_of_the_account_has_its_own_counters(api, clock):
    for i in range(10):
        api.post("/api/monitors", {**WEBSITE, "name": f"m{i}"})
    other = api.post("/api/keys", {"name": "second", "scopes": ["*"]}).json["key"]
    assert api.post("/api/monitors", {**WEBSITE, "name": "x"}, key=other).status_code == 201


def test_the_window_resets_with_the_clock(api, clock):
    for i in range(10):
        api.post("/api/monitors", {**WEBSITE, "name": f"m{i}"})
    clock.advance(3600)
    assert api.post("/api/monitors", {**WEBSITE, "name": "later"}).status_code == 201


def test_reads_stop_at_200_a_minute(api, clock):
    clock.set(clock.now().replace(second=0))
    statuses = [api.get("/api/monitors").status_code for _ in range(201)]
    assert statuses[:200] == [200] * 200
    assert statuses[200] == 429


def test_writes_stop_at_100_a_minute(api, clock):
    clock.set(clock.now().replace(second=0))
    statuses = [api.delete("/api/keys/key_missing").status_code for _ in range(101)]
    assert statuses[:100] == [404] * 100
    assert statuses[100] == 429


def test_check_now_stops_at_5_a_minute(api, clock):
    clock.set(clock.now().replace(second=0))
    statuses = [api.post("/api/monitors/mon_missing/check").status_code for _ in range(6)]
    assert statuses == [404] * 5 + [429]


def test_the_plan_limit_answers_with_the_spec_body(api, clock):
    _, key = make_account(plan="Base")
    for i in range(10):
        api.post("/api/monitors", {**WEBSITE, "name": f"m{i}"}, key=key)
    clock.advance(3600)  # a fresh rate window, so the plan answers
    response = api.post("/api/monitors", {**WEBSITE, "name": "m10"}, key=key)
    assert response.status_code == 403
    assert response.json == {
        "error": "Monitor limit exceeded",
        "message": "Your Base plan allows 10 monitors. Upgrade to Pro for up to 50.",
        "code": "PLAN_LIMIT_EXCEEDED",
    }


def test_failed_creates_cost_no_create_quota(api, clock):
    """400, 403 and 409 answers to a create give their hit back: 10 creates still succeed."""
    assert api.post("/api/monitors", {**WEBSITE, "name": "m0"}).status_code == 201
    for _ in range(12):
        assert api.post("/api/monitors", {**WEBSITE, "name": ""}).status_code == 400
        assert api.post("/api/monitors", {**WEBSITE, "name": "slow",
                                          "intervalSeconds": 30}).status_code == 403
        assert api.post("/api/monitors", {**WEBSITE, "name": "m0"}).status_code == 409
    for i in range(1, 10):
        assert api.post("/api/monitors", {**WEBSITE, "name": f"m{i}"}).status_code == 201
    response = api.post("/api/monitors", {**WEBSITE, "name": "m10"})
    assert response.status_code == 429
    assert response.json["code"] == "RATE_LIMITED"


def test_a_create_refused_by_another_tier_costs_no_create_quota(api, clock):
    clock.set(clock.now().replace(minute=0, second=0))
    for _ in range(100):   # the general tier (100/minute) is now full
        api.delete("/api/keys/key_missing")
    assert api.post("/api/monitors", {**WEBSITE, "name": "refused"}).status_code == 429
    clock.advance(60)
    statuses = [api.post("/api/monitors", {**WEBSITE, "name": f"m{i}"}).status_code
                for i in range(11)]
    assert statuses == [201] * 10 + [429]


def test_an_upsert_counts_when_it_creates_and_not_when_it_updates(api, clock):
    for i in range(9):
        assert api.put(f"/api/monitors/by-name/m{i}", WEBSITE).status_code == 200
    for _ in range(15):
        assert api.put("/api/monitors/by-name/m0", WEBSITE).status_code == 200
    assert api.post("/api/monitors", {**WEBSITE, "name": "tenth"}).status_code == 201
    response = api.put("/api/monitors/by-name/eleventh", WEBSITE)
    assert (response.status_code, response.json["code"]) == (429, "RATE_LIMITED")
    assert api.get("/api/monitors").json["totalCount"] == 10
    assert api.put("/api/monitors/by-name/m1", WEBSITE).status_code == 200


def test_a_failed_create_answers_with_the_quota_as_it_stands_after_the_refund(api, clock):
    assert api.post("/api/monitors", {**WEBSITE, "name": "m0"}).headers[
        "X-RateLimit-Remaining"] == "9"
    refused = api.post("/api/monitors", {**WEBSITE, "name": "m0"})
    assert (refused.status_code, refused.headers["X-RateLimit-Remaining"]) == (409, "9")
    assert api.post("/api/monitors", {**WEBSITE, "name": "m1"}).headers[
        "X-RateLimit-Remaining"] == "8"
