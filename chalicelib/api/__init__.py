"""HTTP API: one blueprint per resource, all routes declared through `http.endpoint`."""
