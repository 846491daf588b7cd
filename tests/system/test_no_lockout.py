"""No lockout on the real local stack: the last full-access key survives concurrent revokes, a
key does not revoke itself by accident, and a lost or revoked bootstrap key is replaced with
`python -m local key create` (`make key`) for the same account, never a second one."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.system.conftest import LocalStack

NEW_ACCOUNT_LINE = "Your API key (shown once"


def full_access_key(stack: LocalStack, key: str, name: str) -> dict:
    status, body = stack.request("POST", "/api/keys", key=key, body={"name": name, "scopes": ["*"]})
    assert status == 201, body
    return body


def key_names(stack: LocalStack, key: str) -> list[str]:
    status, body = stack.request("GET", "/api/keys?limit=500", key=key)
    assert status == 200, body
    return [item["name"] for item in body["items"]]


def test_two_concurrent_revokes_of_the_last_two_full_access_keys_leave_one(tmp_path):
    # A stack of its own: the bootstrap key may be the one revoked here.
    local_stack = LocalStack(tmp_path / "data").start()
    try:
        revoke_pairs_concurrently(local_stack)
    finally:
        local_stack.stop()


def revoke_pairs_concurrently(local_stack: LocalStack) -> None:
    survivor = {"key": local_stack.key,
                "id": local_stack.request("GET", "/api/keys", key=local_stack.key)[1]["items"][0]["id"]}
    for round_number in range(5):
        other = full_access_key(local_stack, survivor["key"], f"round {round_number}")
        pair = (survivor, other)
        # Each key revokes the other at the same moment: both start with two full-access keys.
        with ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(
                lambda revoker, target: local_stack.request(
                    "DELETE", f"/api/keys/{target['id']}", key=revoker["key"])[0],
                pair, reversed(pair)))
        # One goes through. The other is refused: 409 when both ran at once (the conditional
        # write keeps the last full-access key), or 401 when the first had already finished
        # before it was authenticated (its own key was gone: on a loaded machine the two
        # requests do not always overlap). Either way one full-access key is left.
        assert statuses.count(204) == 1 and set(statuses) - {204} <= {409, 401}, statuses
        survivor = pair[statuses.index(204)]  # the revoker whose revoke went through
        status, body = local_stack.request("GET", "/api/keys", key=survivor["key"])
        assert status == 200 and body["totalCount"] == 1, body
    status, body = local_stack.request("DELETE", f"/api/keys/{survivor['id']}?force=true",
                                       key=survivor["key"])
    assert status == 409 and "last full-access" in body["message"]


def test_a_key_revokes_itself_only_with_force(local_stack):
    spare = full_access_key(local_stack, local_stack.key, "spare")
    status, body = local_stack.request("DELETE", f"/api/keys/{spare['id']}", key=spare["key"])
    assert status == 409 and "force=true" in body["message"]
    assert local_stack.request("GET", "/api/keys", key=spare["key"])[0] == 200
    assert local_stack.request("DELETE", f"/api/keys/{spare['id']}?force=true",
                               key=spare["key"])[0] == 204
    assert local_stack.request("GET", "/api/keys", key=spare["key"])[0] == 401


def test_a_revoked_or_lost_bootstrap_key_is_replaced_for_the_same_account(tmp_path):
    stack = LocalStack(tmp_path / "data").start()
    try:
        first_key = stack.key
        marker = full_access_key(stack, first_key, "marker")
        # Revoke the bootstrap key with the other one: the saved key is now dead.
        first_id = next(i["id"] for i in stack.request("GET", "/api/keys", key=first_key)[1]["items"]
                        if i["name"] == "bootstrap")
        assert stack.request("DELETE", f"/api/keys/{first_id}", key=marker["key"])[0] == 204
    finally:
        stack.stop()

    restarted = LocalStack(stack.data_dir).start()
    try:
        assert NEW_ACCOUNT_LINE not in restarted.output  # no second account
        assert "was revoked" in restarted.output and "make key" in restarted.output
        # While the stack runs, `key create` uses its DynamoDB Local.
        created = restarted.cli("key", "create")
        assert created.returncode == 0, created.stderr
        new_key = created.stdout.strip()
        assert new_key.startswith("ek_live_") and restarted.key == new_key
        assert "marker" in key_names(restarted, new_key)  # the same account
    finally:
        restarted.stop()

    # Lost while stopped: `key create` starts DynamoDB Local on the files itself.
    (stack.data_dir / "bootstrap-key").unlink()
    created = stack.cli("key", "create", "--scopes", "monitors:read")
    assert created.returncode == 0, created.stderr
    read_only = created.stdout.strip()
    assert not (stack.data_dir / "bootstrap-key").exists()  # only a * key is saved there
    created = stack.cli("key", "create")
    assert created.returncode == 0, created.stderr
    assert stack.key == created.stdout.strip()

    again = LocalStack(stack.data_dir).start()
    try:
        assert NEW_ACCOUNT_LINE not in again.output and "make key" not in again.output
        assert "marker" in key_names(again, again.key)
        assert again.request("GET", "/api/monitors", key=read_only)[0] == 200
    finally:
        again.stop()
