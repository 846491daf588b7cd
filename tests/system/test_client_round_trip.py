"""On the real local stack: a client sends back the representation it read (PUT), changes one
field with a JSON merge patch (PATCH), and failed creates cost nothing of the create quota."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from targets import HttpTarget

CREATE_QUOTA = 10   # per key and hour (spec "Rate Limits")


@pytest.fixture(scope="module")
def target():
    server = HttpTarget().start()
    yield server
    server.stop()


def new_key(stack) -> str:
    status, body = stack.request("POST", "/api/keys", key=stack.key,
                                 body={"name": "tolerant client", "scopes": ["*"]})
    assert status == 201, body
    return body["key"]


def test_a_read_representation_goes_back_as_a_put_and_a_patch_changes_one_field(local_stack,
                                                                               target):
    stack, key = local_stack, new_key(local_stack)
    status, created = stack.request("POST", "/api/monitors", key=key, body={
        "name": "Round trip", "type": 10, "url": target.url, "expectedKeyword": "ok",
        "failureThreshold": 0})
    assert (status, created["type"]) == (201, "Website"), created
    path = f"/api/monitors/{created['id']}"
    status, read = stack.request("GET", path, key=key)
    assert status == 200 and {"status", "createdAt", "regionStatus", "uptimePercentage"} <= set(read)

    status, replaced = stack.request("PUT", path, key=key, body={**read, "intervalSeconds": 90})
    assert status == 200, replaced
    assert (replaced["intervalSeconds"], replaced["expectedKeyword"], replaced["createdAt"]) == \
        (90, "ok", read["createdAt"])
    status, refused = stack.request("PUT", path, key=key, body={**read, "id": "mon_other"})
    assert (status, refused["details"][0]["field"]) == (400, "id")

    status, patched = stack.request("PATCH", path, key=key, body={"timeoutSeconds": 45},
                                    headers={"Content-Type": "application/merge-patch+json"})
    assert status == 200, patched
    assert (patched["timeoutSeconds"], patched["intervalSeconds"], patched["expectedKeyword"],
            patched["failureThreshold"]) == (45, 90, "ok", 0)
    assert stack.request("GET", path, key=key)[1]["timeoutSeconds"] == 45


def test_failed_creates_cost_no_create_quota(local_stack, target):
    assert in_one_hour(lambda prefix: spend_quota(local_stack, new_key(local_stack), target,
                                                  prefix)) == [201] * CREATE_QUOTA + [429]


def test_parallel_creates_and_failures_never_create_more_than_the_quota(local_stack, target):
    """A failure holds its hit only while it runs: parallel creates never pass the quota, and
    once the burst is over the creates that follow fill it exactly."""
    assert in_one_hour(lambda prefix: burst_then_fill(local_stack, new_key(local_stack), target,
                                                      prefix)) == CREATE_QUOTA


def in_one_hour(run):
    """`run(prefix)`, again once if the real clock's hour (the quota's window) turned meanwhile:
    it returns None then, and cannot straddle two hours in a row."""
    for attempt in range(2):
        outcome = run(f"q{attempt}")
        if outcome is not None:
            return outcome
    return None


def burst_then_fill(stack, key, target, prefix) -> int | None:
    """How many monitors 16 parallel creates among 16 failing ones, then creates one by one
    until the 429, made (None if the hour turned meanwhile)."""
    # A refused create answers with the create tier's window (the tier with the fewest left).
    status, headers, _ = stack.raw_request("POST", "/api/monitors", key=key, body={})
    assert status == 400
    window = headers["X-RateLimit-Reset"]

    def attempt(i):
        body = {"name": f"{prefix}-p{i // 2}", "type": "Website", "url": target.url}
        return stack.request("POST", "/api/monitors", key=key,
                             body=body if i % 2 else {**body, "colour": "red"})[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(attempt, range(32)))
    created = statuses.count(201)
    assert created <= CREATE_QUOTA and set(statuses) <= {201, 400, 429}
    for i in range(CREATE_QUOTA + 1):
        status, headers, _ = stack.raw_request("POST", "/api/monitors", key=key, body={
            "name": f"{prefix}-s{i}", "type": "Website", "url": target.url})
        if status == 429:
            break
        assert status == 201
        created += 1
    return created if headers["X-RateLimit-Reset"] == window else None


def spend_quota(stack, key, target, prefix) -> list[int] | None:
    """The statuses of creates around many failed ones, or None if the hour turned meanwhile."""
    body = {"name": f"{prefix}-0", "type": "Website", "url": target.url}
    status, headers, _ = stack.raw_request("POST", "/api/monitors", key=key, body=body)
    statuses, window = [status], headers["X-RateLimit-Reset"]
    for _ in range(CREATE_QUOTA):
        assert stack.request("POST", "/api/monitors", key=key, body=body)[0] == 409
        bad = {**body, "name": f"{prefix}-bad", "colour": "red"}
        assert stack.request("POST", "/api/monitors", key=key, body=bad)[0] == 400
    for i in range(1, CREATE_QUOTA + 1):
        status, headers, _ = stack.raw_request("POST", "/api/monitors", key=key,
                                               body={**body, "name": f"{prefix}-{i}"})
        statuses.append(status)
    return statuses if headers["X-RateLimit-Reset"] == window else None
