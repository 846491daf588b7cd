"""Every minute: report the Job monitors whose pings are overdue (a Query per deadline shard on
the sparse index `by_deadline`, never a scan), once per missed run; and the monitors no region
checks (`unchecked_monitors`)."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from chalicelib.heartbeats import service as heartbeats
from chalicelib.checks import unchecked_monitors
from chalicelib.kernel.runtime import runtime

bp = Blueprint(__name__)
log = logging.getLogger("enori.heartbeat_watcher")


@bp.schedule(Rate(1, unit=Rate.MINUTES))
def detect_missed_runs(event):
    counts = heartbeats.sweep_missed_runs(runtime.clock.now())
    counts["notChecked"] = unchecked_monitors.sweep(runtime.clock.now())
    if counts["overdue"]:
        log.info("missed-run sweep: %s", counts)
    return counts
