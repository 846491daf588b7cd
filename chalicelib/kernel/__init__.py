"""The floor under everything: settings, clock, errors, ids, observability, the outbound
guard, the plan table and shared field types. No domain, no storage."""
