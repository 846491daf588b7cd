"""Shared PynamoDB configuration: table names, endpoint and region come from settings."""
from __future__ import annotations

from chalicelib.settings import settings


def table_meta(name: str) -> type:
    """A PynamoDB `Meta` for the table `name` of this stage."""

    class Meta:
        table_name = settings.table_name(name)
        region = settings.aws_region
        host = settings.dynamodb_endpoint
        billing_mode = "PAY_PER_REQUEST"
        # Fail fast rather than hang a request on a stuck connection.
        connect_timeout_seconds = 5
        read_timeout_seconds = 10
        max_retry_attempts = 3

    return Meta


def index_meta(name: str) -> type:
    """A PynamoDB index `Meta` projecting every attribute."""
    from pynamodb.indexes import AllProjection

    class Meta:
        index_name = name
        projection = AllProjection()

    return Meta

