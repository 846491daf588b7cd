"""Accounts, their API keys and their teams of people."""
