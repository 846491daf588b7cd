"""Enori's Chalice app: created here, every route and handler registered from its concept's
package (docs/architecture.md). On Lambda each function imports this module, so it stays a list."""
from chalice import Chalice

from chalicelib.accounts import key_routes, routes as account_routes, team_routes
from chalicelib.bus import dead_letter_redrive, outbox_republisher
from chalicelib.channels import routes as channel_routes
from chalicelib.checks import rollup_job, routes as result_routes, scheduler, worker as check_worker
from chalicelib.checks import remote_worker
from chalicelib.config import routes as config_routes
from chalicelib.heartbeats import function_url as ping_function_url
from chalicelib.heartbeats import routes as ping_routes, watcher as heartbeat_watcher
from chalicelib.incidents import handlers as incident_handlers, routes as incident_routes
from chalicelib.kernel import observability
from chalicelib.maintenance import routes as maintenance_routes
from chalicelib.monitors import routes as monitor_routes
from chalicelib.notify import escalation_handlers, handlers as alert_handlers
from chalicelib.notify import routes as alert_routes, sweeper
from chalicelib.openapi import routes as docs_routes
from chalicelib.reports import metrics_routes, monthly as monthly_reports, routes as report_routes
from chalicelib.rules import escalation_policy_routes, routes as rule_routes
from chalicelib.status_pages import badge_routes, notifications as status_page_notifications
from chalicelib.status_pages import routes as status_page_routes
from chalicelib.web import (
    views_alerting,
    views_incidents,
    views_maintenance,
    views_members,
    views_monitors,
    views_more,
    views_policies,
    views_session,
    views_settings,
    views_status_pages,
    views_teams,
)

app = Chalice(app_name="enori")
# JSON logs with the request id on Lambda, plain lines locally; level from ENORI_LOG_LEVEL (INFO).
observability.configure_logging(app.log)
app.register_middleware(observability.request_id_middleware)

API = (key_routes, account_routes, monitor_routes, result_routes, ping_routes, incident_routes,
       channel_routes, rule_routes, alert_routes, team_routes, docs_routes,
       escalation_policy_routes, maintenance_routes, report_routes, status_page_routes,
       badge_routes, metrics_routes, config_routes)
WORKERS = (scheduler, check_worker, remote_worker, incident_handlers, alert_handlers,
           escalation_handlers, heartbeat_watcher, monthly_reports, status_page_notifications, sweeper,
           outbox_republisher, dead_letter_redrive, rollup_job)

# The dashboard's HTML pages (chalicelib/web): not API routes, so not in the OpenAPI document.
WEB = (views_session, views_monitors, views_incidents, views_alerting, views_settings,
       views_more, views_status_pages, views_maintenance, views_teams, views_policies,
       views_members)

for module in API + WORKERS + WEB:
    app.register_blueprint(module.bp)

# `/ping/*` behind the ping function's Lambda Function URL (infra/pings.py): its 2.0 events,
# rewritten into the REST events the routes read.
ping_url_handler = ping_function_url.handler_for(app)
