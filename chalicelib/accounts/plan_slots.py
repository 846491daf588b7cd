"""Objects that use one of the account's plan slots (channels, policies, windows, teams, status
pages): each is written in ONE transaction with the account's usage counter, so concurrent
creates never pass the plan's limit and a delete always frees its slot.

The caller writes its own items into the transaction (`write(tx)`, its object first); the
counter update goes in last. PynamoDB sends deletes, then puts, then updates, so in a cancelled
transaction's flags the counter's is the last and the object's own delete or put is the first.
"""
from __future__ import annotations

from typing import Callable


from chalicelib.kernel import plans
from chalicelib.kernel.errors import NotFoundError, PlanLimitError
from chalicelib.storage.accounts import AccountItem, usage_change
from chalicelib.storage.transactions import Transaction, TransactionFailed, failed_conditions, transaction


def create_in_slot(account: AccountItem, resource: str, write: Callable[[Transaction], None],
                   on_conflict: Callable[[list[bool]], None] | None = None) -> None:
    """`write(tx)` and take one `resource` slot together. When cancelled, `on_conflict(flags)`
    may raise for the caller's own conditions (a name or slug taken) first; a full counter is
    then 403 PLAN_LIMIT_EXCEEDED naming the plan and the upgrade."""
    limit = plans.limit_for(account.plan, resource)
    actions, condition = usage_change(resource, +1, limit)
    try:
        with transaction() as tx:
            write(tx)
            tx.update(AccountItem(account.account_id), actions=actions, condition=condition)
    except TransactionFailed as exc:
        failed = failed_conditions(exc)
        if on_conflict is not None:
            on_conflict(failed)
        if failed and failed[-1]:
            raise PlanLimitError(plans.limit_message(account.plan, resource, limit or 0),
                                 title=plans.limit_title(resource))
        raise


def delete_from_slot(account_id: str, resource: str, write: Callable[[Transaction], None],
                     not_found: str) -> None:
    """`write(tx)` (the object's conditional delete first) and free one `resource` slot
    together; 404 with `not_found` when a concurrent request deleted the object first."""
    actions, condition = usage_change(resource, -1, None)
    try:
        with transaction() as tx:
            write(tx)
            tx.update(AccountItem(account_id), actions=actions, condition=condition)
    except TransactionFailed as exc:
        if any(failed_conditions(exc)[:1]):
            raise NotFoundError(not_found)
        raise
