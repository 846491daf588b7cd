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
