"""Enori's Chalice app: created here, everything else registered from chalicelib."""
from chalice import Chalice

from chalicelib.api import account, keys, monitors

app = Chalice(app_name="enori")
app.experimental_feature_flags.update({"BLUEPRINTS"})  # harmless on current Chalice

for blueprint in (keys.bp, account.bp, monitors.bp):
    app.register_blueprint(blueprint)
