"""`python -m local` end to end: bootstrap key, keys over HTTP, errors, clean shutdown, restart."""
from __future__ import annotations

from tests.system.conftest import READY_LINE, LocalStack, processes_mentioning, wait_until


def create_read_only_key(stack: LocalStack) -> str:
    status, body = stack.request("POST", "/api/keys", key=stack.key,
                                 body={"name": "ci", "scopes": ["monitors:read"]})
    assert status == 201, body
    assert body["key"].startswith("ek_")
    return body["key"]


def test_it_serves_the_api_with_the_bootstrap_key_and_survives_a_restart(tmp_path):
    data_dir = tmp_path / "data"
    stack = LocalStack(data_dir).start()
    try:
        bootstrap_key = stack.key
        assert f"): {bootstrap_key}" in stack.output  # shown once on the first start
        created_key = create_read_only_key(stack)
        status, body = stack.request("GET", "/api/keys", key=bootstrap_key)
        assert status == 200 and isinstance(body["items"], list)
    finally:
        exit_code = stack.stop()
    assert exit_code == 0
    assert processes_mentioning(str(data_dir)) == []

    restarted = LocalStack(data_dir).start()
    try:
        assert restarted.key == bootstrap_key
        assert bootstrap_key not in restarted.output  # not shown again
        status, body = restarted.request("GET", "/api/keys", key=created_key)
        assert (status, body["code"]) == (403, "INSUFFICIENT_SCOPE")  # known, but lacks `*`
        status, body = restarted.request("GET", "/api/keys", key=bootstrap_key)
        assert status == 200
        assert "ci" in [item["name"] for item in body["items"]]
    finally:
        restarted.stop()
    assert processes_mentioning(str(data_dir)) == []


def test_it_answers_401_without_a_key(local_stack):
    status, body = local_stack.request("GET", "/api/keys")
    assert (status, body["code"]) == (401, "UNAUTHORIZED")


def test_it_answers_403_to_a_key_without_the_scope(local_stack):
    read_only_key = create_read_only_key(local_stack)
    status, body = local_stack.request("GET", "/api/keys", key=read_only_key)
    assert status == 403
    assert set(body) >= {"error", "message", "code"}


def test_it_answers_404_json_for_an_unknown_route(local_stack):
    status, body = local_stack.request("GET", "/api/no-such-thing?x=1", key=local_stack.key)
    assert status == 404
    assert body == {"error": "Not found", "message": "No route for GET /api/no-such-thing", "code": "NOT_FOUND"}


def test_it_answers_405_json_for_a_known_route_with_another_method(local_stack):
    status, headers, payload = local_stack.raw_request("PATCH", "/api/keys", key=local_stack.key)
    assert status == 405
    assert b'"METHOD_NOT_ALLOWED"' in payload
    assert "GET" in headers["Allow"]


def test_it_answers_head_with_headers_and_no_body(local_stack):
    status, headers, payload = local_stack.raw_request("HEAD", "/api/keys", key=local_stack.key)
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert payload == b""


def test_it_stops_dynamodb_local_when_terminated_during_startup(tmp_path):
    data_dir = tmp_path / "data"
    stack = LocalStack(data_dir)
    stack.launch()
    try:
        assert wait_until(lambda: any("DynamoDBLocal" in p for p in processes_mentioning(str(data_dir))))
        assert stack.stop() == 0
    finally:
        stack.kill()
    assert READY_LINE not in stack.output
    assert processes_mentioning(str(data_dir)) == []


def test_it_leaves_no_dynamodb_local_behind_when_killed_outright(tmp_path):
    data_dir = tmp_path / "data"
    stack = LocalStack(data_dir).start()
    stack.kill()  # SIGKILL: no finally, no atexit; the kernel's parent-death signal stops the JVM
    assert wait_until(lambda: processes_mentioning(str(data_dir)) == [])


# Past DynamoDB Local's key limits wherever the value goes (a partition key holds 2,048 bytes).
TOO_LONG = "a" * 2100


def test_bad_input_is_a_400_404_or_413_in_the_envelope_never_a_500(local_stack):
    key = local_stack.key
    job_body = {"name": "nightly", "type": "Job", "periodSeconds": 3600}
    status, job = local_stack.request("POST", "/api/monitors", key=key, body=job_body)
    assert status == 201, job
    answers = {}
    for method, path, with_key in [
            ("GET", f"/ping/{TOO_LONG}", False), ("POST", f"/ping/{TOO_LONG}/fail", False),
            ("GET", f"/status/{TOO_LONG}", False),
            ("GET", f"/api/public/status-pages/{TOO_LONG}", False),
            ("POST", f"/api/public/status-pages/{TOO_LONG}/subscribe", False),
            ("GET", f"/api/monitors/mon_{TOO_LONG}", True),
            ("DELETE", f"/api/teams/team_{TOO_LONG}/members/mbr_{TOO_LONG}", True),
            ("GET", f"/api/incidents/inc_{TOO_LONG}", True)]:
        status, body = local_stack.request(method, path, key=key if with_key else None,
                                           body={"email": "a@example.com"}
                                           if method == "POST" else None)
        answers[f"{method} {path[:40]}"] = (status, body.get("code") if isinstance(body, dict)
                                            else body)
    assert answers == {name: (404, "NOT_FOUND") for name in answers}

    status, body = local_stack.request("GET", f"/api/incidents?monitorId=mon_{TOO_LONG}", key=key)
    assert (status, body["details"][0]["field"]) == (400, "monitorId")
    deep = b"[" * 100_000 + b"]" * 100_000
    status, body = local_stack.request("POST", "/api/monitors", key=key, body=deep,
                                       headers={"Content-Type": "application/json"})
    assert (status, body["code"]) == (400, "VALIDATION_ERROR"), body
    huge = b'{"name": "big", "scopes": ["*"]}'.ljust(1024 * 1024 + 1)
    status, body = local_stack.request("POST", "/api/keys", key=key, body=huge,
                                       headers={"Content-Type": "application/json"})
    assert (status, body["code"]) == (413, "PAYLOAD_TOO_LARGE"), body
    status, body = local_stack.request("POST", f"/ping/{job['pingToken']}", body=b"x" * (2 << 20),
                                       headers={"Content-Type": "text/plain"})
    assert (status, body["code"]) == (413, "PAYLOAD_TOO_LARGE"), body
    assert local_stack.request("GET", f"/api/monitors/{job['id']}/pings", key=key)[1][
        "totalCount"] == 0
