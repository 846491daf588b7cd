"""Monthly reports, the index of accounts the monthly run reports on, and the per-month quota.

Access patterns, reports (hash account_id, range report_id):
- get one report of an account: GetItem — another account's id is simply not found
- an account's reports: Query(account_id)
- an on-demand report: ONE transaction of the report's put and the quota counter's conditional
  ADD (below), so concurrent requests never pass the plan's reports per month
- the scheduled report of (account, month) has an id derived from both and is put on condition
  that it does not exist, so a re-run of the monthly job writes nothing twice

Access pattern, report-subscriptions (hash shard "acc#0".."acc#3", range account_id): the
monthly job Queries each shard instead of scanning the accounts table. `accounts.create_account`
adds the account's item; `backfill_subscriptions` adds those of accounts created before this
table existed (run once, the only Scan, on upgrade).

The quota is a `rate-limits` counter ("reports#<account_id>#<YYYY-MM>" of the month a report
was generated in), expiring by TTL two months later.
"""
from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model

from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.base import get_or_none, table_meta
from chalicelib.storage.rate_limits import RateCounterItem
from chalicelib.storage.transactions import failed_at, transaction

SUBSCRIPTION_SHARDS = 4


class ReportItem(Model):
    Meta = table_meta("reports")

    account_id = UnicodeAttribute(hash_key=True)
    report_id = UnicodeAttribute(range_key=True)
    month = UnicodeAttribute()                   # "2026-10", the month reported on (UTC)
    trigger = UnicodeAttribute()                 # "OnDemand" or "Scheduled"
    generated_at = UTCDateTimeAttribute()
    body_json = UnicodeAttribute(default="{}")   # the report as the API shows it

    @property
    def body(self) -> dict[str, Any]:
        return json.loads(self.body_json or "{}")


class ReportSubscriptionItem(Model):
    Meta = table_meta("report-subscriptions")

    shard = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(range_key=True)
    created_at = UTCDateTimeAttribute()


class QuotaExceededError(Exception):
    """The account has generated its plan's reports for the month."""


def quota_key(account_id: str, month: str) -> str:
    return f"reports#{account_id}#{month}"


def insert_counted(item: ReportItem, quota: str, limit: int | None, expires_at: datetime) -> None:
    """Put an on-demand report and count it in `quota`, in one transaction.
    QuotaExceededError (nothing written) when `limit` reports were already counted."""
    condition = None
    if limit is not None:
        condition = RateCounterItem.hits.does_not_exist() | (RateCounterItem.hits < limit)
    try:
        with transaction() as tx:
            tx.save(item, condition=ReportItem.report_id.does_not_exist())
            tx.update(RateCounterItem(quota), condition=condition,
                      actions=[RateCounterItem.hits.add(1),
                               RateCounterItem.expires_at.set(expires_at)])
    except TransactWriteError as exc:
        if failed_at(exc, 1):  # puts before updates: [report, counter]
            raise QuotaExceededError(quota) from exc
        raise


def insert_once(item: ReportItem) -> bool:
    """Put a report unless its id exists; False if it did."""
    try:
        with transaction() as tx:
            tx.save(item, condition=ReportItem.report_id.does_not_exist())
    except TransactWriteError as exc:
        if failed_at(exc, 0):
            return False
        raise
    return True


def update_body(item: ReportItem, body: dict[str, Any]) -> None:
    item.body_json = json.dumps(body, sort_keys=True)
    item.update(actions=[ReportItem.body_json.set(item.body_json)])


def get_report(account_id: str, report_id: str) -> ReportItem | None:
    return get_or_none(ReportItem, account_id, report_id)


def list_reports(account_id: str) -> list[ReportItem]:
    """The account's reports, newest first."""
    items = list(ReportItem.query(account_id, consistent_read=True))
    return sorted(items, key=lambda r: (r.generated_at, r.report_id), reverse=True)


# --- the index of accounts -------------------------------------------------------------------

def subscription_shard(account_id: str) -> str:
    return f"acc#{zlib.crc32(account_id.encode()) % SUBSCRIPTION_SHARDS}"


def subscribe(account_id: str, now: datetime) -> None:
    """Add the account to the monthly run (idempotent)."""
    ReportSubscriptionItem(subscription_shard(account_id), account_id, created_at=now).save()


def subscribed_accounts() -> list[str]:
    """Every subscribed account id: one Query per shard, never a Scan."""
    return [item.account_id for shard in range(SUBSCRIPTION_SHARDS)
            for item in ReportSubscriptionItem.query(f"acc#{shard}")]


def unsubscribe(account_id: str) -> None:
    ReportSubscriptionItem(subscription_shard(account_id), account_id).delete()


def backfill_subscriptions(now: datetime) -> int:
    """One-off, on upgrade: subscribe the accounts created before this table existed. The only
    Scan of the accounts table; never called by a request or a schedule."""
    count = 0
    for account in AccountItem.scan(attributes_to_get=["account_id"]):
        subscribe(account.account_id, now)
        count += 1
    return count
