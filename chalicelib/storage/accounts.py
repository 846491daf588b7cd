"""Accounts and their usage counters.

Access patterns:
- get an account by id: GetItem(account_id)
- reserve / release one unit of a plan-limited resource: UpdateItem with a condition
  (`<resource>_count < limit`), alone or inside a transaction with the object's own write, so
  concurrent creates never pass the limit.
- count full-access keys (`full_access_keys_count`), moved in the same transaction as the key's
  own put or delete; a revoke is conditional on the count staying at least 1 (api_keys.py).
  Accounts created before this counter have none: `init_full_access_count` sets it once.
- number a new monitor (`next_monitor_number`): UpdateItem ADD 1 on `monitor_numbers`, returning
  the new value (UPDATED_NEW): atomic, so two creates never share a number, and never moved
  back (a deleted monitor's number is not reused: its results' index in its shard stays its).
"""
from __future__ import annotations

from pynamodb.attributes import (BooleanAttribute, NumberAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.models import Model

from chalicelib.storage.base import get_or_none, table_meta

COUNTED_RESOURCES = ("monitors", "api_keys", "alert_channels", "teams", "status_pages",
                     "escalation_policies", "maintenance_windows")


class AccountItem(Model):
    Meta = table_meta("accounts")

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    plan = UnicodeAttribute()
    extra_monitors = NumberAttribute(default=0)
    thirty_second_checks = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    monitors_count = NumberAttribute(default=0)
    api_keys_count = NumberAttribute(default=0)
    alert_channels_count = NumberAttribute(default=0)
    teams_count = NumberAttribute(default=0)
    status_pages_count = NumberAttribute(default=0)
    escalation_policies_count = NumberAttribute(default=0)
    maintenance_windows_count = NumberAttribute(default=0)
    # None on accounts created before it existed; see storage.api_keys.ensure_full_access_count.
    full_access_keys_count = NumberAttribute(null=True)
    # How many monitor numbers were given (`next_monitor_number`); None: none yet.
    monitor_numbers = NumberAttribute(null=True)

    def usage(self, resource: str) -> int:
        return int(getattr(self, f"{resource}_count") or 0)


def get_account(account_id: str) -> AccountItem | None:
    return get_or_none(AccountItem, account_id)


def next_monitor_number(account_id: str) -> int:
    """The next monitor number of the account (0, 1, ...), never given before: one atomic
    UpdateItem ADD on an existing account. UpdateError if the account is gone."""
    response = AccountItem._get_connection().update_item(
        account_id, actions=[AccountItem.monitor_numbers.add(1)],
        condition=AccountItem.account_id.exists(), return_values="UPDATED_NEW")
    return int(response["Attributes"]["monitor_numbers"]["N"]) - 1


def save_new_account(item: AccountItem) -> None:
    item.save(condition=AccountItem.account_id.does_not_exist())


def usage_change(resource: str, delta: int, limit: int | None):
    """The (actions, condition) pair that moves a usage counter by `delta`.

    Growing is conditional on staying within `limit` (None: unlimited); shrinking never goes
    below zero. Use it in `item.update(...)` or a `TransactWrite.update(...)`.
    """
    counter = getattr(AccountItem, f"{resource}_count")
    condition = AccountItem.account_id.exists()
    if delta > 0 and limit is not None:
        condition &= counter.does_not_exist() | (counter <= limit - delta)
    if delta < 0:
        condition &= counter >= -delta
    return [counter.add(delta)], condition
