"""A Job monitor's uptime is the time it was not Down (its pings have no per-minute results to
count): its status spans over a window, from its recorded status changes. Its own module so the
check worker and the status page, which show it, reach two tables and nothing of the lifecycle.

The monitor list shows every listed job's 30-day uptime (`listed_job_uptimes`): one Query of
status changes per job would be most of a list's cost, so each API process remembers the
changes it read, with the version of the job's evaluator state read just before them. A status
change is written only in the transaction that commits that state with a new version
(`monitor_states.commit_state`), so while the version a list reads is the remembered one, the
remembered changes are exactly those stored: the answer is the one a Query would give, never
stale. A state read at a newer version (or a window reaching before what was read) reads the
changes again."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from chalicelib.kernel import stats
from chalicelib.kernel.runtime import runtime
from chalicelib.kernel.ttl_cache import TtlCache
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


@dataclass(frozen=True)
class SeenChanges:
    """A job's status changes from `low` on (every one stored, whatever its time), as read
    after its evaluator state was read at `version` (None: no state, no change yet)."""
    version: int | None
    low: int
    changes: tuple[stats.StatusChange, ...]


# Bounded: one entry per job listed lately (oldest out past the count), each holding at most
# SEEN_CHANGES_MOST changes (a job that changed status more often in its window is read every
# time, as before), so at most 500,000 small changes per process; an entry is read again at
# least daily whatever its version.
SEEN_CHANGES_JOBS = 10_000
SEEN_CHANGES_MOST = 50
SEEN_CHANGES_SECONDS = 24 * 3600
_seen_changes: TtlCache[SeenChanges] = TtlCache(SEEN_CHANGES_SECONDS, SEEN_CHANGES_JOBS)


def listed_job_uptimes(monitor_items: list, states: dict[str, Any], start: datetime,
                       end: datetime) -> dict[str, float | None]:
    """`job_uptime` over [start, end) of each given Job monitor, by monitor id, from their
    evaluator states as read just before (`states`, by monitor id: their versions, and the
    status of a monitor that does not show it) and a Query of status changes only for a job
    whose state moved since this process last read its changes (see the module's note)."""
    low, high = int(start.timestamp()), int(end.timestamp())
    uptimes = {}
    for item in monitor_items:
        state = states.get(item.monitor_id)
        changes = _changes_at(item.account_id, item.monitor_id,
                              None if state is None else int(state.version), low)
        spans = _spans_of(item, list(changes), low, high,
                          evaluated=functools.partial(state_store.status_of, state))
        uptimes[item.monitor_id] = _uptime_of(spans, low, high)
    return uptimes


def _changes_at(account_id: str, monitor_id: str, version: int | None, low: int
                ) -> tuple[stats.StatusChange, ...]:
    """The job's changes from `low` on, remembered while its state is at `version`: a
    consistent Query up to the last possible key (a change recorded at a time after this
    read's is then remembered too), only when not remembered. Remembered under the account
    too: only the account's own list, which found the monitor in it, reads the entry."""
    now, key = runtime.clock.time(), f"{account_id}/{monitor_id}"
    seen = _seen_changes.get(key, now)
    if seen is not None and seen.version == version and seen.low <= low:
        return seen.changes
    changes = tuple(stats.StatusChange(c.at, c.before, c.after)
                    for c in store.status_changes_between(monitor_id, low, store.LAST_SLOT,
                                                          consistent=True))
    if len(changes) <= SEEN_CHANGES_MOST:
        _seen_changes.put(key, SeenChanges(version, low, changes), now)
    return changes
