"""Accounts: creation, the first-start bootstrap, and the plan/usage summary."""
from __future__ import annotations

from chalicelib.kernel import plans
from chalicelib.accounts.keys import issue_key
from chalicelib.kernel.clock import SystemClock, iso
from chalicelib.kernel.errors import NotFoundError
from chalicelib.kernel.ids import new_id
from chalicelib.kernel.scopes import FULL_ACCESS
from chalicelib.storage import accounts as account_store
from chalicelib.storage import reports as report_store
from chalicelib.storage.accounts import COUNTED_RESOURCES, AccountItem


def create_account(name: str, plan: str, now, extra_monitors: int = 0,
                   thirty_second_checks: bool = False) -> AccountItem:
    plans.get_plan(plan)  # unknown plan names fail loudly here
    item = AccountItem(new_id("acc"), name=name, plan=plan, extra_monitors=extra_monitors,
                       thirty_second_checks=thirty_second_checks, created_at=now,
                       full_access_keys_count=0)
    account_store.save_new_account(item)
    report_store.subscribe(item.account_id, now)  # the monthly reports' index of accounts
    return item


def require_account(account_id: str) -> AccountItem:
    """The caller's account; a 404 when it is gone (its keys may outlive it for a moment)."""
    account = account_store.get_account(account_id)
    if account is None:
        raise NotFoundError("Account not found.")
    return account


def bootstrap_account(clock=None) -> str:
    """First start of a self-hosted install: a Business account with every add-on, and a
    full-access key. Returns the full key (the caller shows it once and keeps it)."""
    now = (clock or SystemClock()).now()
    account = create_account("Self-hosted", "Business", now, extra_monitors=0,
                             thirty_second_checks=True)
    _, full_key = issue_key(account.account_id, "bootstrap", [FULL_ACCESS], now)
    return full_key


def account_summary(account: AccountItem) -> dict:
    """Plan, add-ons, limits and usage, as `GET /api/account` shows them."""
    plan = plans.get_plan(account.plan)
    limits = {r: plans.limit_for(account.plan, r, account.extra_monitors or 0)
              for r in COUNTED_RESOURCES}
    return {
        "id": account.account_id,
        "name": account.name,
        "plan": plan.name,
        "addOns": {
            plans.ADDON_EXTRA_MONITORS: int(account.extra_monitors or 0),
            plans.ADDON_THIRTY_SECOND: bool(account.thirty_second_checks),
        },
        "limits": {
            **{_camel(r): v for r, v in limits.items()},
            "membersPerTeam": plan.members_per_team,
            "reportsPerMonth": plan.reports_per_month,
            "minIntervalSeconds": plans.THIRTY_SECOND_INTERVAL if account.thirty_second_checks
            else plan.min_interval_seconds,
            "dataRetentionDays": plan.retention_days,
        },
        "usage": {_camel(r): account.usage(r) for r in COUNTED_RESOURCES},
        "createdAt": iso(account.created_at),
    }


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)
