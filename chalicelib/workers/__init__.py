"""Scheduled and queue-driven handlers. Each module: shared objects, a per-record function, a
tiny entry point."""
