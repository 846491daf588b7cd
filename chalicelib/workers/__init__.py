"""Scheduled and queue-driven handlers. Each module: shared objects, a per-record function, a
tiny entry point. Every handler module except the scheduler imports `chalicelib.wiring` first:
on Lambda nothing else would install the cross-module hooks. The scheduler needs none, and
importing less keeps its IAM grants (derived from its imports) to the two tables it uses."""
