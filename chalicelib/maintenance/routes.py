"""/api/maintenance-windows: list, create (within the plan's limit), read, replace, delete."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib.accounts.service import require_account
from chalicelib.maintenance import service as windows
from chalicelib.http.endpoint import Call, endpoint, page
from chalicelib.maintenance.models import MaintenanceWindowIn
from chalicelib.maintenance.representations import MaintenanceWindow, MaintenanceWindowList
from chalicelib.http.contract import PAGING

bp = Blueprint(__name__)


@endpoint(bp, "/api/maintenance-windows", "GET", scope="maintenance:read", query=PAGING,
          returns=MaintenanceWindowList)
def list_maintenance_windows(call: Call):
    limit, offset = call.paging()
    now = call.clock.now()
    return page([windows.window_json(w, now) for w in windows.list_windows(call.account_id)],
                limit, offset)


@endpoint(bp, "/api/maintenance-windows", "POST", scope="maintenance:write", status=201,
          body=MaintenanceWindowIn, representation=MaintenanceWindow)
def create_maintenance_window(call: Call):
    account = require_account(call.account_id)
    now = call.clock.now()
    item = windows.create_window(account, call.body(MaintenanceWindowIn), now)
    return windows.window_json(item, now)


@endpoint(bp, "/api/maintenance-windows/{window_id}", "GET", scope="maintenance:read",
          returns=MaintenanceWindow)
def get_maintenance_window(call: Call, window_id: str):
    return windows.window_json(windows.require_window(call.account_id, window_id),
                               call.clock.now())


@endpoint(bp, "/api/maintenance-windows/{window_id}", "PUT", scope="maintenance:write",
          body=MaintenanceWindowIn, representation=MaintenanceWindow)
def replace_maintenance_window(call: Call, window_id: str):
    windows.require_window(call.account_id, window_id)  # 404 before any 400
    now = call.clock.now()
    item = windows.replace_window(call.account_id, window_id, call.body(MaintenanceWindowIn), now)
    return windows.window_json(item, now)


@endpoint(bp, "/api/maintenance-windows/{window_id}", "DELETE", scope="maintenance:write")
def delete_maintenance_window(call: Call, window_id: str):
    windows.delete_window(call.account_id, window_id)
    return None
