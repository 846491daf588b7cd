"""The message seams: the events topic with its outbox, and the check-request queues."""
