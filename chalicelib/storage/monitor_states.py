"""The evaluator's state per monitor (streaks, region status, degradation, certificate).

Kept apart from the monitor's configuration so that a transition and a user's edit never race on
one version: each has its own optimistic lock.

Access patterns:
- read a monitor's state: GetItem(account_id, monitor_id), consistent
- read the states of a page of monitors (the monitor list's Job monitors): BatchGetItem of
  (account_id, monitor_id) keys, consistent, beside their job states (`states_read`)
- commit a transition: a transaction of the state (conditional on its version) and the events
  it causes (conditional on not existing) — two evaluators never both commit one transition
  (and, for a Job monitor whose status changes, the change: `storage.results.StatusChangeItem`)
- delete with the monitor: DeleteItem
"""
from __future__ import annotations

from chalicelib.kernel.vocabulary import MonitorStatus
import json

from pynamodb.attributes import UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model

from chalicelib.storage.base import BatchRead, table_meta
from chalicelib.storage.events import EventItem
from chalicelib.storage.transactions import failed_conditions, transaction


class MonitorStateItem(Model):
    Meta = table_meta("monitor-states")

    account_id = UnicodeAttribute(hash_key=True)
    monitor_id = UnicodeAttribute(range_key=True)
    state_json = UnicodeAttribute(default="{}")
    version = VersionAttribute()


class StateConflictError(Exception):
    """Another evaluator committed first; reload and evaluate again."""


def load_state(account_id: str, monitor_id: str) -> MonitorStateItem:
    try:
        return MonitorStateItem.get(account_id, monitor_id, consistent_read=True)
    except MonitorStateItem.DoesNotExist:
        return MonitorStateItem(account_id, monitor_id)


def evaluated_status(account_id: str, monitor_id: str) -> str:
    """The evaluator's status (Pending before its first verdict), whatever the monitor shows."""
    return status_of(load_state(account_id, monitor_id))


def states_read(account_id: str, monitor_ids: list[str]) -> BatchRead:
    """The states of these monitors of the account, as one read of a `base.batch_get_across`
    (consistent; a monitor never judged has none)."""
    return BatchRead(MonitorStateItem, [(account_id, m) for m in monitor_ids])


def status_of(item: MonitorStateItem | None) -> str:
    """The evaluator's status in a loaded state (Pending before its first verdict)."""
    state_json = item.state_json if item is not None else None
    return json.loads(state_json or "{}").get("status", MonitorStatus.PENDING)


def commit_state(item: MonitorStateItem, state: dict, events: list[EventItem],
                 records: tuple[Model, ...] = ()) -> None:
    """Write the new state and its events atomically, or raise StateConflictError. `records`
    (a Job monitor's status change) are put in the same transaction, unconditionally: each
    exists exactly when its state was committed."""
    item.state_json = json.dumps(state, separators=(",", ":"))
    try:
        with transaction() as tx:
            tx.save(item)
            for event in events:
                tx.save(event, condition=EventItem.event_id.does_not_exist())
            for record in records:
                tx.save(record)
    except TransactWriteError as exc:
        if any(failed_conditions(exc)):
            raise StateConflictError() from exc
        raise


def delete_state(account_id: str, monitor_id: str) -> None:
    MonitorStateItem(account_id, monitor_id).delete(add_version_condition=False)
