"""Public faces: status pages, their subscriptions and badges."""
