"""Scheduled and queue-driven handlers. Each module: shared objects, a per-record function, a
tiny entry point. On Lambda a function imports only its handler's module, and its IAM grants
are derived from what that module imports (`infra/access.py`): a handler imports what it calls,
and nothing for a side effect, so each function reaches only the tables it uses."""
