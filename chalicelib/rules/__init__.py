"""Alert rules (which events go to which channels) and escalation policies."""
