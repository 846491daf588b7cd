from apitools import make_account


def test_it_creates_a_key_and_shows_it_once(api):
    created = api.post("/api/keys", {"name": "CI/CD Pipeline", "scopes": ["monitors:read", "monitors:write"]})
    assert created.status_code == 201
    assert created.json["key"].startswith("ek_live_")
    assert created.json["id"].startswith("key_")
    listed = api.get("/api/keys").json
    shown = next(k for k in listed["items"] if k["id"] == created.json["id"])
    assert "key" not in shown
    assert shown["maskedKey"].endswith("…")
    assert created.json["key"] not in str(listed)


def test_it_authenticates_with_the_new_key(api):
    key = api.post("/api/keys", {"name": "ops", "scopes": ["*"]}).json["key"]
    assert api.get("/api/keys", key=key).status_code == 200


def test_it_refuses_a_revoked_key_on_the_very_next_request(api):
    created = api.post("/api/keys", {"name": "tmp", "scopes": ["*"]}).json
    assert api.delete(f"/api/keys/{created['id']}").status_code == 204
    response = api.get("/api/keys", key=created["key"])
    assert response.status_code == 401
    assert response.json["code"] == "UNAUTHORIZED"


def test_it_answers_404_for_a_missing_key_id(api):
    response = api.delete("/api/keys/key_doesnotexist")
    assert response.status_code == 404
    assert response.json["code"] == "NOT_FOUND"


def test_it_answers_404_for_another_accounts_key(api):
    _, other_key = make_account()
    other_id = api.get("/api/keys", key=other_key).json["items"][0]["id"]
    assert api.delete(f"/api/keys/{other_id}").status_code == 404
    assert api.get("/api/keys", key=other_key).status_code == 200


def test_it_rejects_an_unknown_scope(api):
    response = api.post("/api/keys", {"name": "x", "scopes": ["monitors:delete"]})
    assert response.status_code == 400
    assert response.json["code"] == "VALIDATION_ERROR"
    assert response.json["details"][0]["field"] == "scopes"


def test_it_stops_at_the_plan_key_limit(api):
    _, key = make_account(plan="Base")  # Base allows 2 keys; this one is the first
    assert api.post("/api/keys", {"name": "2nd", "scopes": ["*"]}, key=key).status_code == 201
    response = api.post("/api/keys", {"name": "3rd", "scopes": ["*"]}, key=key)
    assert response.status_code == 403
    assert response.json == {
        "error": "API key limit exceeded",
        "message": "Your Base plan allows 2 API keys. Upgrade to Pro for up to 10.",
        "code": "PLAN_LIMIT_EXCEEDED",
    }


def test_it_frees_a_plan_slot_when_a_key_is_revoked(api):
    _, key = make_account(plan="Base")
    second = api.post("/api/keys", {"name": "2nd", "scopes": ["*"]}, key=key).json
    api.delete(f"/api/keys/{second['id']}", key=key)
    assert api.post("/api/keys", {"name": "again", "scopes": ["*"]}, key=key).status_code == 201


def own_key_id(api, key=None):
    """The id of the key making the request: the only key of a fresh account."""
    items = api.get("/api/keys", key=key or api.key).json["items"]
    assert len(items) == 1
    return items[0]["id"]


def test_the_last_full_access_key_cannot_be_revoked(api):
    _, key = make_account()
    key_id = own_key_id(api, key)
    response = api.delete(f"/api/keys/{key_id}?force=true", key=key)
    assert response.status_code == 409
    assert response.json["code"] == "CONFLICT"
    assert "last full-access" in response.json["message"]
    assert api.get("/api/keys", key=key).status_code == 200


def test_a_key_with_every_named_scope_but_not_star_does_not_count_as_full_access(api):
    """Only `*` can manage keys, so only `*` keys keep an account out of a lockout."""
    from chalicelib.kernel.scopes import SCOPES

    _, key = make_account()
    named = api.post("/api/keys", {"name": "named", "scopes": list(SCOPES)}, key=key).json
    own = next(k["id"] for k in api.get("/api/keys", key=key).json["items"] if k["name"] == "test")
    assert api.delete(f"/api/keys/{own}?force=true", key=key).status_code == 409
    assert api.delete(f"/api/keys/{named['id']}", key=key).status_code == 204


def test_a_key_revokes_itself_only_with_force(api):
    _, key = make_account()
    api.post("/api/keys", {"name": "spare", "scopes": ["*"]}, key=key)
    own = next(k["id"] for k in api.get("/api/keys", key=key).json["items"] if k["name"] == "test")
    refused = api.delete(f"/api/keys/{own}", key=key)
    assert refused.status_code == 409
    assert "force=true" in refused.json["message"]
    assert api.get("/api/keys", key=key).status_code == 200
    assert api.delete(f"/api/keys/{own}?force=true", key=key).status_code == 204
    assert api.get("/api/keys", key=key).status_code == 401


def test_force_must_be_a_boolean(api):
    _, key = make_account()
    own = own_key_id(api, key)
    response = api.delete(f"/api/keys/{own}?force=yes please", key=key)
    assert response.status_code == 400
    assert response.json["details"][0]["field"] == "force"


def test_another_full_access_key_can_be_revoked_and_then_this_one_is_the_last(api):
    _, key = make_account()
    spare = api.post("/api/keys", {"name": "spare", "scopes": ["*"]}, key=key).json
    assert api.delete(f"/api/keys/{spare['id']}", key=key).status_code == 204
    own = own_key_id(api, key)
    assert api.delete(f"/api/keys/{own}?force=true", key=key).status_code == 409


def test_an_account_from_before_the_counter_counts_its_keys_once(api):
    """Accounts stored before `full_access_keys_count` existed: the first revoke counts them."""
    from chalicelib.storage.accounts import AccountItem

    account_id, key = make_account()
    spare = api.post("/api/keys", {"name": "spare", "scopes": ["*"]}, key=key).json
    AccountItem(account_id).update(actions=[AccountItem.full_access_keys_count.remove()])
    assert AccountItem.get(account_id).full_access_keys_count is None
    assert api.delete(f"/api/keys/{spare['id']}", key=key).status_code == 204
    assert AccountItem.get(account_id, consistent_read=True).full_access_keys_count == 1
    own = own_key_id(api, key)
    assert api.delete(f"/api/keys/{own}?force=true", key=key).status_code == 409


def test_a_revoke_cancelled_by_a_concurrent_transaction_is_sent_again(api, monkeypatch):
    """DynamoDB may cancel one of two concurrent revokes as TransactionConflict (nothing
    written): it is sent again, and answers by its condition, never a 500."""
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

    from chalicelib.storage import api_keys as key_store

    _, key = make_account()
    spare = api.post("/api/keys", {"name": "spare", "scopes": ["*"]}, key=key).json
    real_transaction, calls = key_store.transaction, []

    def conflicting_once():
        calls.append(1)
        if len(calls) > 1:
            return real_transaction()
        cause = VerboseClientError(
            {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
            "TransactWriteItems",
            cancellation_reasons=[None, CancellationReason(code="TransactionConflict")])
        raise TransactWriteError("cancelled", cause=cause)

    monkeypatch.setattr(key_store, "transaction", conflicting_once)
    assert api.delete(f"/api/keys/{spare['id']}", key=key).status_code == 204
    assert len(calls) == 2
    own = own_key_id(api, key)
    assert api.delete(f"/api/keys/{own}?force=true", key=key).status_code == 409
