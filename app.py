"""Enori's Chalice app: created here, everything else registered from chalicelib."""
from chalice import Chalice

from chalicelib.api import account, keys, monitors, results
from chalicelib.workers import scheduler

app = Chalice(app_name="enori")

for blueprint in (keys.bp, account.bp, monitors.bp, results.bp, scheduler.bp):
    app.register_blueprint(blueprint)
