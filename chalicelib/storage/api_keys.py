"""API keys. Only an HMAC of the key is stored, as the table's key, next to a display prefix.

Access patterns:
- authenticate a request: GetItem(digest), strongly consistent, so a revoked key fails on the
  very next request
- list an account's keys: Query on index `by_account` (account_id)
- find one key of an account by id (to revoke it): Query on `by_account` (account_id, key_id)
"""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.exceptions import TransactWriteError

from chalicelib.errors import PlanLimitError
from chalicelib.storage.accounts import AccountItem, usage_change
from chalicelib.storage.base import get_or_none, index_meta, table_meta
from chalicelib.storage.transactions import failed_at, transaction


class ByAccountIndex(GlobalSecondaryIndex):
    Meta = index_meta("by_account")
    account_id = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute(range_key=True)


class ApiKeyItem(Model):
    Meta = table_meta("api-keys")

    digest = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    prefix = UnicodeAttribute()
    scopes = ListAttribute(of=UnicodeAttribute)
    created_at = UTCDateTimeAttribute()
    by_account = ByAccountIndex()


def get_by_digest(digest: str) -> ApiKeyItem | None:
    return get_or_none(ApiKeyItem, digest)


def list_keys(account_id: str) -> list[ApiKeyItem]:
    return list(ApiKeyItem.by_account.query(account_id))


def find_key(account_id: str, key_id: str) -> ApiKeyItem | None:
    found = list(ApiKeyItem.by_account.query(account_id, ApiKeyItem.key_id == key_id, limit=1))
    return found[0] if found else None


def insert_key(item: ApiKeyItem, limit: int | None, on_limit: PlanLimitError) -> None:
    """Store a new key and count it against the plan, atomically."""
    actions, condition = usage_change("api_keys", +1, limit)
    try:
        with transaction() as tx:
            tx.update(AccountItem(item.account_id), actions=actions, condition=condition)
            tx.save(item, condition=ApiKeyItem.digest.does_not_exist())
    except TransactWriteError as exc:
        if failed_at(exc, 1):  # the update (puts go before updates)
            raise on_limit from exc
        raise


def delete_key(item: ApiKeyItem) -> bool:
    """Delete a key and release its plan slot; False when it was already gone."""
    actions, condition = usage_change("api_keys", -1, None)
    try:
        with transaction() as tx:
            tx.delete(item, condition=ApiKeyItem.digest.exists())
            tx.update(AccountItem(item.account_id), actions=actions, condition=condition)
    except TransactWriteError as exc:
        if failed_at(exc, 0):
            return False
        raise
    return True

