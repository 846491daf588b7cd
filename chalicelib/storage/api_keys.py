"""API keys. Only an HMAC of the key is stored, as the table's key, next to a display prefix.

Access patterns:
- authenticate a request: GetItem(digest), strongly consistent, so a revoked key fails on the
  very next request
- list an account's keys: Query on index `by_account` (account_id)
- find one key of an account by id (to revoke it): Query on `by_account` (account_id, key_id)
- never lock an account out: a full-access key's put and delete move the account's
  `full_access_keys_count` in the same transaction, and the delete is conditional on that count
  being at least 2 before it. Two concurrent revokes of the last two full-access keys both
  send "count >= 2" to DynamoDB, which serialises transactions on the account item: the first
  brings the count to 1 and the second's condition fails (or DynamoDB cancels it as a
  TransactionConflict while the first runs; it is then sent again and its condition fails), so
  one key always survives. (A check in Python followed by a delete could let both pass.)
"""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.exceptions import TransactWriteError

from chalicelib.kernel.errors import ConflictError, PlanLimitError
from chalicelib.kernel.scopes import is_full_access
from chalicelib.storage.accounts import AccountItem, usage_change
from chalicelib.storage.base import get_or_none, index_meta, table_meta, update_if
from chalicelib.storage.transactions import conflicted, failed_at, transaction


# Concurrent revokes on one account may be cancelled as TransactionConflict: send again.
CONFLICT_ATTEMPTS = 3


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
    """Store a new key and count it against the plan (and as full access), atomically."""
    actions, condition = usage_change("api_keys", +1, limit)
    if is_full_access(item.scopes):
        ensure_full_access_count(item.account_id)
        actions.append(AccountItem.full_access_keys_count.add(1))
    try:
        with transaction() as tx:
            tx.update(AccountItem(item.account_id), actions=actions, condition=condition)
            tx.save(item, condition=ApiKeyItem.digest.does_not_exist())
    except TransactWriteError as exc:
        if failed_at(exc, 1):  # the update (puts go before updates)
            raise on_limit from exc
        raise


def delete_key(item: ApiKeyItem, on_last_full_access: ConflictError) -> bool:
    """Delete a key and release its plan slot; False when it was already gone. Raises
    `on_last_full_access` (nothing deleted) when it is the account's last full-access key."""
    actions, condition = usage_change("api_keys", -1, None)
    full_access = is_full_access(item.scopes)
    if full_access:
        ensure_full_access_count(item.account_id)
        actions.append(AccountItem.full_access_keys_count.add(-1))
        condition &= AccountItem.full_access_keys_count >= 2
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            with transaction() as tx:
                tx.delete(item, condition=ApiKeyItem.digest.exists())
                tx.update(AccountItem(item.account_id), actions=actions, condition=condition)
            return True
        except TransactWriteError as exc:
            if failed_at(exc, 0):
                return False
            if full_access and failed_at(exc, 1):
                raise on_last_full_access from exc
            if not (conflicted(exc) and attempt < CONFLICT_ATTEMPTS):
                raise
    raise AssertionError("unreachable")


def ensure_full_access_count(account_id: str) -> None:
    """Accounts created before `full_access_keys_count` existed have none: count their
    full-access keys once (a Query on `by_account`) and set it, only if still missing (a
    concurrent first write may have set it). Every write that moves the counter calls this
    first, so ADD never starts from a missing counter, which would undercount."""
    account = get_or_none(AccountItem, account_id)
    if account is None or account.full_access_keys_count is not None:
        return
    count = sum(1 for key in list_keys(account_id) if is_full_access(key.scopes))
    update_if(AccountItem(account_id), [AccountItem.full_access_keys_count.set(count)],
              AccountItem.account_id.exists() & AccountItem.full_access_keys_count.does_not_exist())
