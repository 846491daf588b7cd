"""Enori's Chalice app: created here, everything else registered from chalicelib."""
from chalice import Chalice

from chalicelib.api import account, incidents, keys, monitors, results
from chalicelib.api import channels as alert_channels
from chalicelib.api import rules as alert_rules
from chalicelib.workers import checks, incident_events, scheduler, sweeper

app = Chalice(app_name="enori")

for blueprint in (keys.bp, account.bp, monitors.bp, results.bp, incidents.bp, alert_channels.bp,
                  alert_rules.bp, scheduler.bp, checks.bp, incident_events.bp, sweeper.bp):
    app.register_blueprint(blueprint)
