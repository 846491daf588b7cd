"""Enori's Chalice app: created here, everything else registered from chalicelib."""
from chalice import Chalice

from chalicelib.api import account, alerts, incidents, keys, monitors, pings, results
from chalicelib.api import channels as alert_channels
from chalicelib.api import rules as alert_rules
from chalicelib.workers import alerts as alert_delivery
from chalicelib.workers import checks, heartbeat_watcher, incident_events, scheduler, sweeper

app = Chalice(app_name="enori")

for blueprint in (keys.bp, account.bp, monitors.bp, results.bp, incidents.bp, alert_channels.bp,
                  alert_rules.bp, alerts.bp, pings.bp, scheduler.bp, checks.bp, incident_events.bp,
                  alert_delivery.bp, sweeper.bp, heartbeat_watcher.bp):
    app.register_blueprint(blueprint)
