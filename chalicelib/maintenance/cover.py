"""Which monitors maintenance covers, from the account's stored windows: what the evaluator
(suppress transitions), monitor stats and reports (leave covered hours out) and status pages
(active and upcoming windows) ask. Below the window lifecycle (`maintenance_windows`, whose
writes call `forget_cached`), so that the check worker, which asks on every result, runs no
lifecycle code and is granted the windows' table, not the rules and channels a window's scope
is checked against.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from chalicelib.maintenance import occurrences as core
from chalicelib.kernel.clock import iso
from chalicelib.kernel.cron import ScheduleError
from chalicelib.kernel.runtime import runtime
from chalicelib.storage import maintenance_windows as store
from chalicelib.storage import monitors as monitor_store

log = logging.getLogger("enori.maintenance")
CACHE_SECONDS = 30
UPCOMING = timedelta(days=7)
_cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
_CACHE_MAX_ACCOUNTS = 1000


def windows_of(account_id: str, now: datetime, fresh: bool = False) -> list[dict[str, Any]]:
    """The account's stored windows (dicts), from memory if read less than CACHE_SECONDS ago
    (unless `fresh`: then read, and remembered)."""
    at = now.timestamp()
    cached = _cache.get(account_id)
    if not fresh and cached is not None and 0 <= at - cached[0] < CACHE_SECONDS:
        return cached[1]
    if len(_cache) >= _CACHE_MAX_ACCOUNTS:
        _cache.clear()
    windows = [item.window for item in store.list_windows(account_id)]
    _cache[account_id] = (at, windows)
    return windows


def forget_cached(account_id: str | None = None) -> None:
    """Drop one account's cached windows (all when None)."""
    if account_id is None:
        _cache.clear()
    else:
        _cache.pop(account_id, None)


def covers(window: dict[str, Any], monitor_id: str, tags: list[str]) -> bool:
    return core.applies_to(window, {"tags": tags}, monitor_id)


def is_monitor_in_maintenance(account_id: str, monitor_item: Any, now: datetime,
                              fresh: bool = False) -> bool:
    """The evaluator's question: is the monitor inside an occurrence now? (`fresh`: asked of
    the stored windows, not of this process's copy, which misses another process's writes for
    up to CACHE_SECONDS.)"""
    tags = list(monitor_item.tags or [])
    for window in windows_of(account_id, now, fresh):
        try:
            if covers(window, monitor_item.monitor_id, tags) and core.is_active(window, now):
                return True
        except ScheduleError:  # validated on write; never let one window stop evaluation
            log.exception("unusable maintenance window %s", window.get("id"))
    return False


def spans_for_monitor(monitor_item: Any, start: datetime, end: datetime
                      ) -> list[core.Span]:
    """For monitor stats and reports: the monitor's maintenance within [start, end)."""
    tags = list(monitor_item.tags or [])
    spans: list[core.Span] = []
    for window in windows_of(monitor_item.account_id, runtime.clock.now()):
        if covers(window, monitor_item.monitor_id, tags):
            spans += core.clip_spans(core.occurrences(window, start, end), start, end)
    return spans


def active_and_upcoming(account_id: str, monitor_ids: list[str], now: datetime) -> list[dict]:
    """For status pages: the windows covering any of `monitor_ids` that are active at `now` or
    start within 7 days, one entry per window (its current or next occurrence), soonest first:
    `{id, name, description, startsAt, endsAt, active, monitorIds, notifySubscribers}` where
    `monitorIds` are the covered ones among `monitor_ids`."""
    windows = windows_of(account_id, now)
    tags: dict[str, list[str]] = {}
    if any(w.get("tags") for w in windows):
        tags = {m.monitor_id: list(m.tags or []) for m in monitor_store.list_monitors(account_id)}
    found = []
    for window in windows:
        covered = [m for m in monitor_ids if covers(window, m, tags.get(m, []))]
        span = core.current_or_next(window, now) if covered else None
        if span is None or span[0] > now + UPCOMING:
            continue
        found.append({"id": window["id"], "name": window["name"],
                      "description": window.get("description") or "",
                      "startsAt": iso(span[0]), "endsAt": iso(span[1]), "active": span[0] <= now,
                      "monitorIds": covered,
                      "notifySubscribers": bool(window.get("notify_subscribers"))})
    return sorted(found, key=lambda w: (w["startsAt"], w["id"]))
