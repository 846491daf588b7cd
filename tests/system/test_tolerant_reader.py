"""On the real local stack: a client sends back the representation it read (PUT), changes one
field with a JSON merge patch (PATCH), and failed creates cost nothing of the create quota."""
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
    # The quota's window is the real clock's hour: a run that straddles the hour starts again
    # once with a fresh key (it cannot straddle twice).
    for attempt in range(2):
        outcome = spend_quota(local_stack, new_key(local_stack), target, f"q{attempt}")
        if outcome is not None:
            break
    assert outcome == [201] * CREATE_QUOTA + [429]


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
