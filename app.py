"""Enori's Chalice app: created here, everything else registered from chalicelib."""
from chalice import Chalice

from chalicelib.kernel import observability
from chalicelib.accounts import routes as account, key_routes as keys, team_routes as teams
from chalicelib.notify import routes as alerts
from chalicelib.status_pages import badge_routes as badges, routes as status_pages
from chalicelib.channels import routes as channels
from chalicelib.rules import escalation_policy_routes as escalation_policies, routes as rules
from chalicelib.incidents import routes as incidents
from chalicelib.maintenance import routes as maintenance
from chalicelib.monitors import routes as monitors
from chalicelib.heartbeats import routes as pings
from chalicelib.reports import routes as reports
from chalicelib.checks import routes as results
from chalicelib.openapi import routes as docs
from chalicelib.config import routes as config
from chalicelib.reports import metrics_routes as metrics
from chalicelib.notify import handlers as alert_delivery
from chalicelib.checks import worker as checks, scheduler
from chalicelib.bus import dead_letter_redrive, outbox_republisher
from chalicelib.notify import escalation_handlers as escalations, sweeper
from chalicelib.heartbeats import watcher as heartbeat_watcher
from chalicelib.incidents import handlers as incident_events
from chalicelib.reports import monthly as monthly_reports
from chalicelib.status_pages import notifications as status_notifications

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
