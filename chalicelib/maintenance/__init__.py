"""Maintenance windows: when they are active and which monitors they cover."""
