"""Incidents: opened and resolved by the pipeline or by hand, their timelines and figures."""
