"""A Job monitor's uptime is the time it was not Down (its pings have no per-minute results to
count): its status spans over a window, from its recorded status changes. Its own module so the
check worker and the status page, which show it, reach two tables and nothing of the lifecycle."""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, Callable

from chalicelib.kernel import stats
from chalicelib.storage import monitor_states as state_store
from chalicelib.storage import results as store


def job_status_spans(monitor_item: Any, start_epoch: int, end_epoch: int
                     ) -> list[tuple[int, int, str]]:
    """A Job monitor's (from, to, status) spans over [start_epoch, end_epoch): one Query of its
    status changes in the window, plus a GetItem of the evaluator's state only when the monitor
    does not show that status itself (paused, or resumed and not yet judged again)."""
    return _spans_of(monitor_item, _changes(monitor_item, start_epoch, end_epoch), start_epoch,
                     end_epoch)


def _changes(monitor_item: Any, start_epoch: int, end_epoch: int) -> list[stats.StatusChange]:
    return [stats.StatusChange(c.at, c.before, c.after)
            for c in store.status_changes_between(monitor_item.monitor_id, start_epoch,
                                                  end_epoch)]


def _spans_of(monitor_item: Any, changes: list[stats.StatusChange], start_epoch: int,
              end_epoch: int, evaluated: Callable[[], str] | None = None
              ) -> list[tuple[int, int, str]]:
    """`job_status_spans` from the window's changes (any others are left out); `evaluated`
    answers the evaluator's status when it is needed (default: its GetItem)."""
    changes = [c for c in changes if start_epoch <= c.at <= end_epoch]
    current = monitor_item.status
    if not changes and current not in stats.KNOWN_STATUSES:
        current = (evaluated or functools.partial(
            state_store.evaluated_status, monitor_item.account_id, monitor_item.monitor_id))()
    return stats.status_spans(changes, current, start_epoch, end_epoch)


def _uptime_of(spans: list[tuple[int, int, str]], low: int, high: int) -> float | None:
    return stats.time_uptime(*stats.known_and_down_seconds(spans, low, high))


def job_uptime(monitor_item: Any, start: datetime, end: datetime) -> float | None:
    """A Job monitor's uptime over [start, end): the share of the known time not Down; None
    (null) when its status was never known in the window."""
    low, high = int(start.timestamp()), int(end.timestamp())
    return _uptime_of(job_status_spans(monitor_item, low, high), low, high)


def job_uptimes(monitor_item: Any, windows: list[tuple[datetime, datetime]]
                ) -> list[float | None]:
    """`job_uptime` of each window, from ONE Query of the status changes they span (and at
    most one GetItem of the evaluator's status)."""
    bounds = [(int(start.timestamp()), int(end.timestamp())) for start, end in windows]
    changes = _changes(monitor_item, min(b[0] for b in bounds), max(b[1] for b in bounds))
    evaluated = functools.cache(functools.partial(
        state_store.evaluated_status, monitor_item.account_id, monitor_item.monitor_id))
    return [_uptime_of(_spans_of(monitor_item, changes, low, high, evaluated), low, high)
            for low, high in bounds]
