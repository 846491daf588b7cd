"""Checks: scheduling, the check worker, the checkers family, results and statistics."""
