"""Limits hold under concurrency on the real stack (DynamoDB Local, real HTTP, many threads)."""
from concurrent.futures import ThreadPoolExecutor


def parallel(count, call):
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda i: call(i), range(count)))


def test_60_parallel_key_creates_stop_exactly_at_the_plan_limit(local_stack):
    stack = local_stack
    existing = stack.request("GET", "/api/keys", key=stack.key)[1]["totalCount"]
    statuses = parallel(60, lambda i: stack.request(
        "POST", "/api/keys", key=stack.key, body={"name": f"k{i}", "scopes": ["monitors:read"]})[0])
    assert statuses.count(201) == 50 - existing        # Business allows 50 keys
    assert statuses.count(403) == 60 - (50 - existing)
    assert stack.request("GET", "/api/keys?limit=500", key=stack.key)[1]["totalCount"] == 50
    assert stack.request("GET", "/api/account", key=stack.key)[1]["usage"]["apiKeys"] == 50


def test_parallel_creates_of_one_name_make_one_monitor(local_stack):
    stack = local_stack
    body = {"name": "Only once", "type": "Website", "url": "https://example.com"}
    statuses = parallel(8, lambda i: stack.request("POST", "/api/monitors", key=stack.key, body=body)[0])
    assert statuses.count(201) == 1
    assert statuses.count(409) == 7


def test_parallel_upserts_of_one_name_make_one_monitor(local_stack):
    stack = local_stack
    body = {"type": "Website", "url": "https://example.com"}
    answers = parallel(8, lambda i: stack.request("PUT", "/api/monitors/by-name/Upserted",
                                                  key=stack.key, body=body))
    assert {status for status, _ in answers} <= {200, 409}
    ids = {b["id"] for status, b in answers if status == 200}
    assert len(ids) == 1


def test_50_parallel_pings_are_all_kept(local_stack):
    stack = local_stack
    status, job = stack.request("POST", "/api/monitors", key=stack.key, body={
        "name": "Busy job", "type": "Job", "periodSeconds": 3600})
    assert status == 201
    statuses = parallel(50, lambda i: stack.request("POST", f"/ping/{job['pingToken']}",
                                                    body=f"run {i}".encode())[0])
    assert statuses == [200] * 50
    history = stack.request("GET", f"/api/monitors/{job['id']}/pings?limit=500", key=stack.key)[1]
    assert history["totalCount"] == 50
    assert sorted(p["message"] for p in history["items"]) == sorted(f"run {i}" for i in range(50))
