"""Maintenance windows, one item per window under its account.

Access patterns:
- get one window of an account: GetItem(account_id, window_id) — another account's id is simply
  not found, which is the tenant wall
- an account's windows (the API list, the evaluator's "is this monitor in maintenance", status
  pages): Query(account_id); the evaluator caches the answer per account for a few seconds
- create / delete: a transaction with the account's `maintenance_windows_count`
  (chalicelib/maintenance/service.py)
"""
from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import get_or_none, oldest_first, table_meta


class MaintenanceWindowItem(Model):
    Meta = table_meta("maintenance-windows")

    account_id = UnicodeAttribute(hash_key=True)
    window_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    window_json = UnicodeAttribute(default="{}")  # schedule, scope and flags, snake_case
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)

    @property
    def window(self) -> dict[str, Any]:
        """The stored window with its id and name, as `chalicelib.maintenance.occurrences` reads it."""
        return {**json.loads(self.window_json or "{}"), "id": self.window_id, "name": self.name}


def get_window(account_id: str, window_id: str) -> MaintenanceWindowItem | None:
    return get_or_none(MaintenanceWindowItem, account_id, window_id)


def list_windows(account_id: str) -> list[MaintenanceWindowItem]:
    """The account's windows, oldest first (one Query)."""
    return oldest_first(MaintenanceWindowItem, account_id, MaintenanceWindowItem.window_id)
