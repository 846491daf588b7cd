"""The API edge: the endpoint decorator, authentication, scopes and rate limits."""
