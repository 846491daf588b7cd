"""Shared PynamoDB configuration: table names, endpoint and region come from settings."""
from __future__ import annotations

from typing import Any

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


def get_or_none(model: Any, hash_key: str, range_key: str | None = None) -> Any:
    """The item under this key (a consistent read), or None.

    An empty string names nothing: DynamoDB refuses it as a key value with a ValidationException
    (moto does not), so a body's `"monitorId": ""` must not reach a GetItem as a 500.
    """
    if hash_key == "" or range_key == "":
        return None
    try:
        return model.get(hash_key, range_key, consistent_read=True)
    except model.DoesNotExist:
        return None
