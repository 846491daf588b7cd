"""Cross-module hooks, installed by importing the modules that register them.

On Lambda a function imports only its own handler's module, never `app.py`, so a hook that is
registered as a side effect of some import (what a deleted monitor cascades to, maintenance
suppression, escalation targets, maintenance on status pages) must be imported explicitly by
every entry point. `chalicelib.api` and `chalicelib.workers` import this module first.
"""
from chalicelib import (delivery, escalations, evaluator, heartbeats, incidents,  # noqa: F401
                        maintenance_windows, results, status_page_view)
