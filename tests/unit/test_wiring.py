"""On Lambda a function imports only its handler's module: every hook must be installed then."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, {module}
from chalicelib import delivery, evaluator, monitors, results, status_page_view
print(json.dumps({{
    "deleters": len(monitors.CHILD_DELETERS), "maintenance": len(evaluator.MAINTENANCE_CHECKS),
    "virtual": sorted(delivery.VIRTUAL_CHANNELS), "totals": len(results.INCIDENT_TOTALS),
    "spans": len(results.MAINTENANCE_SPANS), "pages": len(status_page_view.MAINTENANCE_PROVIDERS)}}))
"""


@pytest.mark.parametrize("module", ["chalicelib.workers.checks", "chalicelib.workers.alerts",
                                    "chalicelib.workers.sweeper", "chalicelib.workers.escalations",
                                    "chalicelib.workers.heartbeat_watcher", "app"])
def test_every_entry_point_installs_every_hook(module):
    done = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                               "AWS_DEFAULT_REGION": "us-east-1"})
    assert done.returncode == 0, done.stderr
    hooks = json.loads(done.stdout)
    # results, pings, alert records, incidents and evaluator state follow a deleted monitor
    assert hooks == {"deleters": 5, "maintenance": 1, "virtual": ["team"], "totals": 1,
                     "spans": 1, "pages": 1}
