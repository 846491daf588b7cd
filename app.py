"""Enori's Chalice app: created here, everything else registered from chalicelib."""
from chalice import Chalice

from chalicelib.api import account, incidents, keys, monitors, results
from chalicelib.workers import checks, scheduler, sweeper

app = Chalice(app_name="enori")

for blueprint in (keys.bp, account.bp, monitors.bp, results.bp, incidents.bp, scheduler.bp,
                  checks.bp, sweeper.bp):
    app.register_blueprint(blueprint)
