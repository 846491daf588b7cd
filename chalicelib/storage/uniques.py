"""Uniqueness claims: one item per unique value (a monitor name in an account, a status page
slug). Created and released inside the same transaction as the object that owns the value.

Access pattern: GetItem(unique_key) to find the owner (e.g. upsert by name).
"""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import table_meta


class UniqueItem(Model):
    Meta = table_meta("uniques")

    unique_key = UnicodeAttribute(hash_key=True)   # "<scope>#<kind>#<value>"
    owner_id = UnicodeAttribute()


def unique_key(scope: str, kind: str, value: str) -> str:
    return f"{scope}#{kind}#{value}"


def owner_of(key: str) -> str | None:
    try:
        return UniqueItem.get(key, consistent_read=True).owner_id
    except UniqueItem.DoesNotExist:
        return None


def claim(tx, key: str, owner_id: str) -> None:
    """Add to a transaction: claim `key` for `owner_id`; cancels it if already taken."""
    tx.save(UniqueItem(key, owner_id=owner_id), condition=UniqueItem.unique_key.does_not_exist())


def release(tx, key: str, owner_id: str) -> None:
    """Add to a transaction: release `key`, only if `owner_id` holds it."""
    tx.delete(UniqueItem(key), condition=UniqueItem.owner_id == owner_id)
