"""Enori: everything that is deployed to Lambda lives under this package."""
