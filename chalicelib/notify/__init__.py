"""Alert delivery: records per channel, attempts, retries, escalations."""
