"""Monthly uptime and incident reports."""
