"""On Lambda a function imports only its handler's module. Each entry point, alone in a fresh
interpreter (moto for AWS), still does what crosses modules: nothing is installed by an import,
every such call is a plain import of what the code calls."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import {module}                                     # as on Lambda: the handler's module only

from moto import mock_aws

from chalicelib.kernel.runtime import runtime
from chalicelib.storage.tables import create_tables

NOW = datetime.now(timezone.utc)
MONITOR = SimpleNamespace(account_id="acc_1", monitor_id="mon_1", tags=[], type="Http")


def store_window():
    from chalicelib.storage.maintenance_windows import MaintenanceWindowItem

    window = {{"all_monitors": True, "starts_at": (NOW - timedelta(hours=1)).isoformat(),
              "ends_at": (NOW + timedelta(hours=1)).isoformat()}}
    MaintenanceWindowItem("acc_1", "mw_1", name="Upgrade", window_json=json.dumps(window),
                          created_at=NOW).save()


def maintenance_now():                       # the evaluator suppresses transitions
    store_window()
    return sys.modules["chalicelib.status.evaluator"].in_maintenance(MONITOR, NOW)


def maintenance_spans():                     # monthly reports leave covered hours out
    store_window()
    spans = sys.modules["chalicelib.checks.results"].maintenance_spans(
        MONITOR, NOW - timedelta(days=1), NOW + timedelta(days=1))
    return [round((end - start).total_seconds()) for start, end in spans]


def team_target():                           # a retry to a team reloads its members
    from chalicelib.storage.alert_records import AlertRecordItem
    from chalicelib.storage.teams import MemberMap, TeamItem

    TeamItem("acc_1", "team_1", name="Ops", created_at=NOW, updated_at=NOW, members=[
        MemberMap(member_id="m1", email="ops@example.com", role="Owner", added_at=NOW)]).save()
    record = AlertRecordItem(account_id="acc_1", channel_id="team:team_1")
    return sys.modules["chalicelib.notify.delivery"]._channel(record).config


def page_maintenance():                      # a status page shows its monitors' maintenance
    store_window()
    windows = sys.modules["chalicelib.status_pages.view"]._windows("acc_1", ["mon_1"], NOW)
    return [(w["name"], w["monitorIds"]) for w in windows]


def page_cache():                            # a page's own write drops its cached view
    view = sys.modules["chalicelib.status_pages.view"]
    view._cache["acme"] = (NOW.timestamp(), {{}})
    sys.modules["chalicelib.status_pages.service"]._changed("acme")
    return "acme" in view._cache


with mock_aws():
    runtime.reset_clients()
    create_tables()
    print(json.dumps({{name: globals()[name]() for name in {checks!r}}}))
"""
MAINTENANCE = {"maintenance_now": True}
# handler module -> what it must do across modules, and the answer
ENTRY_POINTS = {
    "chalicelib.checks.worker": MAINTENANCE,
    "chalicelib.heartbeats.watcher": MAINTENANCE,
    "chalicelib.notify.handlers": {"team_target": {"addresses": ["ops@example.com"]}},
    "chalicelib.notify.escalation_handlers": {"team_target": {"addresses": ["ops@example.com"]}},
    "chalicelib.notify.sweeper": {"team_target": {"addresses": ["ops@example.com"]}},
    "chalicelib.reports.monthly": {"maintenance_spans": [7200]},
    "chalicelib.status_pages.notifications": {"page_maintenance": [["Upgrade", ["mon_1"]]]},
    "chalicelib.incidents.handlers": {},
    "chalicelib.bus.outbox_republisher": {},
    "chalicelib.bus.dead_letter_redrive": {},
    "chalicelib.checks.scheduler": {},
    "chalicelib.checks.rollup_job": {},
    "chalicelib.checks.remote_worker": {},
    "app": {"maintenance_now": True, "maintenance_spans": [7200], "page_cache": False,
            "page_maintenance": [["Upgrade", ["mon_1"]]],
            "team_target": {"addresses": ["ops@example.com"]}},
}


@pytest.mark.parametrize("module", sorted(ENTRY_POINTS))
def test_every_entry_point_does_its_cross_module_work_alone(module):
    expected = ENTRY_POINTS[module]
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module, checks=sorted(expected))], cwd=ROOT,
        capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "us-east-1",
             "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "ENORI_STAGE": "test"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected


def test_every_handler_module_is_probed():
    from app import app

    handlers = {source.handler_string.rsplit(".", 1)[0] for source in app.event_sources}
    assert handlers | {"app"} == set(ENTRY_POINTS)
