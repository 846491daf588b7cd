"""02:00 UTC on the 1st: last month's report for every account (chalicelib/reports/service.py).
Accounts come from the `report-subscriptions` index, never a Scan; a re-run is harmless."""
from __future__ import annotations

import logging

from chalice import Blueprint, Cron

from chalicelib.reports import service as reports
from chalicelib.kernel.runtime import runtime

bp = Blueprint(__name__)
log = logging.getLogger("enori.reports")


@bp.schedule(Cron(0, 2, 1, "*", "?", "*"))
def generate_monthly_reports(event):
    done = reports.generate_monthly(runtime.clock.now())
    log.info("monthly reports: %s", done)
    return done
