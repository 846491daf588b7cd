"""Monitors as users declare them: models, lifecycle, routes; Job monitors' tokens and
deadlines."""
