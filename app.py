"""Enori's Chalice app: created here, everything else registered from chalicelib."""
from chalice import Chalice

from chalicelib import observability
from chalicelib.api import (account, alerts, badges, channels, escalation_policies, incidents,
                            keys, maintenance, monitors, pings, reports, results, rules,
                            status_pages, teams)
from chalicelib.api import docs
from chalicelib.api import config, metrics
from chalicelib.workers import alerts as alert_delivery
from chalicelib.workers import (checks, dead_letter_redrive, escalations, heartbeat_watcher,
                                incident_events, monthly_reports, outbox_republisher, scheduler,
                                status_notifications, sweeper)

app = Chalice(app_name="enori")
# JSON logs with the request id on Lambda, plain lines locally; level from ENORI_LOG_LEVEL (INFO).
observability.configure_logging(app.log)
app.register_middleware(observability.request_id_middleware)

API = (keys, account, monitors, results, pings, incidents, channels, rules, alerts, teams,
       docs,
       escalation_policies, maintenance, reports, status_pages, badges, metrics, config)
WORKERS = (scheduler, checks, incident_events, alert_delivery, escalations, heartbeat_watcher,
           monthly_reports, status_notifications, sweeper, outbox_republisher,
           dead_letter_redrive)

for module in API + WORKERS:
    app.register_blueprint(module.bp)
