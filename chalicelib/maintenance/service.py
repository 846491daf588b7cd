"""Maintenance window lifecycle (create within the plan's limit, replace, delete). The three
readers of windows (the evaluator, the monitor stats, status pages) are in `maintenance_cover`.

Decisions, so that readers need not guess:
- During an occurrence, checks of the covered monitors go on and are recorded, and the state
  machine still tracks Up/Down; its transitions are suppressed (no incident, no alert). The
  evaluator asks `maintenance_cover.is_monitor_in_maintenance` "covered now?", answered from the
  account's windows read with ONE Query per account and kept in memory for `CACHE_SECONDS` (a
  warm Lambda evaluates many results of the same account per minute). Writes through this
  module drop the account's entry at once; another process sees a change within
  `CACHE_SECONDS`.
- Uptime: `GET /api/monitors/{id}/stats` leaves out of `uptimePercentage` the hours wholly inside
  an occurrence (the rollups are hourly, so a 90-minute window excludes one hour, or none if it
  straddles two) and reports `maintenanceSeconds`, the exact covered time in the period. The
  check counts, p95 and the stored 30-day `uptimePercentage` of a monitor are not adjusted.
- PUT is a full replace, like alert rules; a window's scope is checked like a rule's
  (`rules.check_target`, `rules.check_monitors`: another account's monitor is 400
  INVALID_REFERENCE).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any


from chalicelib.rules import service as rules
from chalicelib.maintenance import occurrences as core
from chalicelib.kernel.clock import iso
from chalicelib.kernel.errors import NotFoundError, ValidationError
from chalicelib.kernel.ids import new_id
from chalicelib.maintenance.cover import forget_cached
from chalicelib.maintenance.models import MaintenanceWindowIn
from chalicelib.accounts.plan_slots import create_in_slot, delete_from_slot
from chalicelib.storage import maintenance_windows as store
from chalicelib.storage.accounts import AccountItem
from chalicelib.storage.base import update_if
from chalicelib.storage.maintenance_windows import MaintenanceWindowItem

_SCHEDULE_FIELDS = {core.ONE_OFF: ("startsAt", "endsAt"), core.WEEKLY: ("weekdays", "startTime"),
                    core.CRON: ("cronExpression",)}
_SCHEDULE_MESSAGE = ("set exactly one schedule: startsAt and endsAt (one-off), weekdays and "
                     "startTime (weekly), or cronExpression")


# --- validation ----------------------------------------------------------------------------------

def _chosen_forms(body: MaintenanceWindowIn) -> list[str]:
    present = {core.ONE_OFF: body.starts_at is not None or body.ends_at is not None,
               core.WEEKLY: body.weekdays is not None or body.start_time is not None,
               core.CRON: body.cron_expression is not None}
    return [kind for kind, set_ in present.items() if set_]


def check_schedule(body: MaintenanceWindowIn) -> str:
    """The body's schedule form; a 400 naming the field when there is not exactly one, or when
    the form is incomplete or inconsistent."""
    chosen = _chosen_forms(body)
    if len(chosen) != 1:
        named = [_SCHEDULE_FIELDS[k][0] for k in chosen] or \
            [fields[0] for fields in _SCHEDULE_FIELDS.values()]
        raise ValidationError(f"{', '.join(named)}: {_SCHEDULE_MESSAGE}",
                              details=[{"field": f, "message": _SCHEDULE_MESSAGE} for f in named])
    kind = chosen[0]
    if kind == core.ONE_OFF:
        _require(body, ("starts_at", "ends_at"), "for a one-off window")
        for name in ("duration_minutes", "timezone"):
            if getattr(body, name) is not None:
                raise ValidationError.for_field(
                    _camel(name), "is only for recurring windows (weekdays or cronExpression)")
        if _utc(body.ends_at) <= _utc(body.starts_at):
            raise ValidationError.for_field("endsAt", "must be after startsAt")
    elif kind == core.WEEKLY:
        _require(body, ("weekdays", "start_time", "duration_minutes"), "for a weekly window")
    else:
        _require(body, ("duration_minutes",), "for a cron window")
    return kind


def _require(body: MaintenanceWindowIn, names: tuple[str, ...], why: str) -> None:
    for name in names:
        if getattr(body, name) is None:
            raise ValidationError.for_field(_camel(name), f"required {why}")


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else \
        value.astimezone(timezone.utc)


def window_dict(body: MaintenanceWindowIn, kind: str) -> dict[str, Any]:
    """The stored form (snake_case) of a validated body: only its schedule form's fields."""
    stored: dict[str, Any] = {
        "description": body.description,
        "monitor_ids": list(body.monitor_ids) if body.monitor_ids is not None else None,
        "tags": list(body.tags) if body.tags is not None else None,
        "all_monitors": body.all_monitors,
        "notify_subscribers": body.notify_subscribers,
    }
    if kind == core.ONE_OFF:
        stored.update(starts_at=iso(_utc(body.starts_at)), ends_at=iso(_utc(body.ends_at)))
    else:
        stored.update(duration_minutes=body.duration_minutes, timezone=body.timezone or "UTC")
        if kind == core.WEEKLY:
            stored.update(weekdays=list(body.weekdays), start_time=body.start_time)
        else:
            stored.update(cron_expression=body.cron_expression)
    return stored


def _checked(account_id: str, body: MaintenanceWindowIn) -> dict[str, Any]:
    kind = check_schedule(body)
    rules.check_target(body)
    rules.check_monitors(account_id, body)
    return window_dict(body, kind)


# --- lifecycle -----------------------------------------------------------------------------------

def require_window(account_id: str, window_id: str) -> MaintenanceWindowItem:
    item = store.get_window(account_id, window_id)
    if item is None:
        raise NotFoundError(f"Maintenance window {window_id} not found.")
    return item


def list_windows(account_id: str) -> list[MaintenanceWindowItem]:
    return store.list_windows(account_id)


def create_window(account: AccountItem, body: MaintenanceWindowIn, now) -> MaintenanceWindowItem:
    """Store a new window and take one plan slot, in one transaction (never over the limit)."""
    stored = _checked(account.account_id, body)
    item = MaintenanceWindowItem(account.account_id, new_id("mw"), name=body.name,
                                 window_json=json.dumps(stored, sort_keys=True),
                                 created_at=now, updated_at=now)
    create_in_slot(account, "maintenance_windows", lambda tx: tx.save(
        item, condition=MaintenanceWindowItem.window_id.does_not_exist()))
    forget_cached(account.account_id)
    return item


def replace_window(account_id: str, window_id: str, body: MaintenanceWindowIn,
                   now) -> MaintenanceWindowItem:
    """Full replace of an existing window (404 if it is not the account's)."""
    item = require_window(account_id, window_id)
    stored = _checked(account_id, body)
    item.name, item.window_json, item.updated_at = body.name, json.dumps(stored, sort_keys=True), now
    if not update_if(item, [MaintenanceWindowItem.name.set(item.name),
                            MaintenanceWindowItem.window_json.set(item.window_json),
                            MaintenanceWindowItem.updated_at.set(now)],
                     MaintenanceWindowItem.window_id.exists()):  # deleted meanwhile
        raise NotFoundError(f"Maintenance window {window_id} not found.")
    forget_cached(account_id)
    return item


def delete_window(account_id: str, window_id: str) -> None:
    """Delete a window and free its plan slot."""
    item = require_window(account_id, window_id)
    delete_from_slot(account_id, "maintenance_windows", lambda tx: tx.delete(
        item, condition=MaintenanceWindowItem.window_id.exists()),
        f"Maintenance window {window_id} not found.")
    forget_cached(account_id)


# --- readers: the evaluator, monitor stats, status pages -----------------------------------------

# --- the wire shape ------------------------------------------------------------------------------

def window_json(item: MaintenanceWindowItem, now: datetime) -> dict:
    window = item.window
    span = core.current_or_next(window, now)
    return {
        "id": item.window_id, "name": item.name, "description": window.get("description") or "",
        "type": core.schedule_kind(window),
        "startsAt": window.get("starts_at"), "endsAt": window.get("ends_at"),
        "weekdays": window.get("weekdays"), "startTime": window.get("start_time"),
        "cronExpression": window.get("cron_expression"),
        "durationMinutes": window.get("duration_minutes"), "timezone": window.get("timezone"),
        "monitorIds": window.get("monitor_ids"), "tags": window.get("tags"),
        "allMonitors": bool(window.get("all_monitors")),
        "notifySubscribers": bool(window.get("notify_subscribers")),
        "active": span is not None and span[0] <= now,
        "nextOccurrence": {"startsAt": iso(span[0]), "endsAt": iso(span[1])} if span else None,
        "createdAt": iso(item.created_at), "updatedAt": iso(item.updated_at or item.created_at),
    }

