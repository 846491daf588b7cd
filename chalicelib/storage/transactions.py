"""DynamoDB transactions: a shared connection, and which operation's condition cancelled one."""
from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.kernel.settings import settings

# What the concepts above name: a transaction being written, and the error of one DynamoDB refused
# (cancelled by a condition or a conflict, or failed). Only storage/ imports PynamoDB.
Transaction = TransactWrite
TransactionFailed = TransactWriteError

# A cancelled transaction's reason for an operation whose own condition failed.
CONDITION_CHECK_FAILED = "ConditionalCheckFailed"


def condition_failed(reason) -> bool:
    """Whether one operation's cancellation reason (None: it held) is its own condition."""
    return reason is not None and getattr(reason, "code", None) == CONDITION_CHECK_FAILED

_connection: Connection | None = None


def transaction() -> TransactWrite:
    """A `TransactWrite` on this stage's DynamoDB endpoint (one shared connection)."""
    return TransactWrite(connection=shared_connection())


def shared_connection() -> Connection:
    """The connection for requests that span tables (transactions, `base.batch_get_across`)."""
    global _connection
    if _connection is None:
        # The same timeouts as the tables' own (storage.base.table_meta).
        _connection = Connection(region=settings.aws_region, host=settings.dynamodb_endpoint,
                                 connect_timeout_seconds=5,
                                 read_timeout_seconds=settings.dynamodb_read_timeout_seconds,
                                 max_retry_attempts=3)
    return _connection


def failed_conditions(exc: TransactWriteError) -> list[bool]:
    """One flag per operation of a cancelled transaction: True where its condition failed.

    Mind the order: PynamoDB sends condition checks first, then deletes, puts and updates,
    whatever order they were added in.
    """
    return [condition_failed(reason) for reason in (exc.cancellation_reasons or [])]


def failed_at(exc: TransactWriteError, index: int) -> bool:
    flags = failed_conditions(exc)
    return index < len(flags) and flags[index]


def conflicted(exc: TransactWriteError) -> bool:
    """True when DynamoDB cancelled the transaction because another one was changing the same
    item at that moment (TransactionConflict): nothing was written, and trying again is safe."""
    return any(reason is not None and getattr(reason, "code", None) == "TransactionConflict"
               for reason in (exc.cancellation_reasons or []))
