"""HTTP API: one blueprint per resource, all routes declared through `http.endpoint`. Importing
the package installs every cross-module hook (see wiring)."""
from chalicelib import wiring  # noqa: F401
