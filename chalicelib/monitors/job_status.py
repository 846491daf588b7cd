"""A Job monitor's uptime is the time it was not Down (its pings have no per-minute results to
count): its status spans over a window, from its recorded status changes. Its own module so the
check worker and the status page, which show it, reach two tables and nothing of the lifecycle."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.kernel import stats
from chalicelib.storage import monitor_states as state_store
from chalicelib.storage import results as store


def job_status_spans(monitor_item: Any, start_epoch: int, end_epoch: int
                     ) -> list[tuple[int, int, str]]:
    """A Job monitor's (from, to, status) spans over [start_epoch, end_epoch): one Query of its
    status changes in the window, plus a GetItem of the evaluator's state only when the monitor
    does not show that status itself (paused, or resumed and not yet judged again)."""
    changes = [stats.StatusChange(c.at, c.before, c.after)
               for c in store.status_changes_between(monitor_item.monitor_id, start_epoch,
                                                     end_epoch)]
    current = monitor_item.status
    if not changes and current not in stats.KNOWN_STATUSES:
        current = state_store.evaluated_status(monitor_item.account_id, monitor_item.monitor_id)
    return stats.status_spans(changes, current, start_epoch, end_epoch)


def job_uptime(monitor_item: Any, start: datetime, end: datetime) -> float | None:
    """A Job monitor's uptime over [start, end): the share of the known time not Down; None
    (null) when its status was never known in the window."""
    low, high = int(start.timestamp()), int(end.timestamp())
    spans = job_status_spans(monitor_item, low, high)
    return stats.time_uptime(*stats.known_and_down_seconds(spans, low, high))
