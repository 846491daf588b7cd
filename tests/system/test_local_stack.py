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
