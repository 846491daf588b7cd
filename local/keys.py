"""`python -m local key create` (`make key`): a new API key for the account of a local data dir.

The local stack has one account, created on its first start. A lost or revoked bootstrap key
must not cost that account (nor silently create a second one), so this issues a key for it,
prints it, and saves it as the bootstrap key when that one is missing or revoked.

It works whether the stack runs or not: a running stack holds the data dir's lock and names its
DynamoDB Local in `dynamodb-endpoint`; otherwise this starts one of its own on the same files
(holding the lock meanwhile, so a `make run` cannot start on them at the same time).
"""
from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator

from local.dynamodb_local import DynamoDBLocal

DEFAULT_KEY_NAME = "local key"


def find_local_account() -> str | None:
    """The local stack's account: the oldest in the accounts index that the monthly reports
    keep (one Query per shard, no Scan); None before the first start created it."""
    from chalicelib.storage import accounts as account_store
    from chalicelib.storage import reports as report_store

    accounts = [account_store.get_account(account_id)
                for account_id in report_store.subscribed_accounts()]
    accounts = [account for account in accounts if account is not None]
    if not accounts:
        return None
    return min(accounts, key=lambda account: (account.created_at, account.account_id)).account_id


def saved_key_problem(key_path: Path) -> str | None:
    """Why the saved bootstrap key cannot be used (missing, revoked), or None if it can."""
    from chalicelib.http import auth
    from chalicelib.kernel.errors import UnauthorizedError

    if not key_path.exists():
        return f"{key_path} is missing"
    try:
        auth.authenticate(key_path.read_text().strip())
    except UnauthorizedError:
        return f"the key in {key_path} was revoked"
    return None


def create_key(data_dir: Path, scopes: list[str], name: str = DEFAULT_KEY_NAME) -> str:
    """Issue a key on the data dir's account; print it (stdout) and what was done (stderr)."""
    from local.stack import export_storage_settings

    data_dir = Path(data_dir).resolve()
    if not (data_dir / "api-key-secret").exists():
        raise SystemExit(f"no local stack in {data_dir} yet: `make run` creates the account "
                         "and its first key on its first start.")
    with _dynamodb_of(data_dir) as endpoint:
        export_storage_settings(endpoint, data_dir)
        from chalicelib.accounts.keys import issue_key
        from chalicelib.kernel.clock import SystemClock

        account_id = find_local_account()
        if account_id is None:
            raise SystemExit(f"no account in {data_dir} yet: `make run` creates it on its first start.")
        _, full_key = issue_key(account_id, name, scopes, SystemClock().now())
        _save_as_bootstrap_key_if_unusable(data_dir / "bootstrap-key", full_key, scopes)
    print(full_key, flush=True)
    return full_key


def _save_as_bootstrap_key_if_unusable(key_path: Path, full_key: str, scopes: list[str]) -> None:
    from chalicelib.kernel.scopes import is_full_access
    from local.stack import write_private

    problem = saved_key_problem(key_path)
    if problem is None:
        print(f"A new API key (shown once; {key_path} keeps the bootstrap key):", file=sys.stderr)
    elif not is_full_access(scopes):
        print(f"A new API key (shown once). Also, {problem}: `make key` without --scopes "
              "makes a full-access key and saves it there.", file=sys.stderr)
    else:
        write_private(key_path, full_key + "\n", replace=True)
        print(f"A new full-access API key (shown once; {problem}, so it is saved there now):",
              file=sys.stderr)


@contextlib.contextmanager
def _dynamodb_of(data_dir: Path) -> Iterator[str]:
    """The endpoint of a DynamoDB Local on the data dir's files: the running stack's, or one
    started here for the time of the block."""
    from local.stack import DYNAMODB_ENDPOINT_FILE, lock_data_dir

    lock_file = lock_data_dir(data_dir)
    if lock_file is None:  # a stack is running on this data dir: share its DynamoDB Local
        yield (data_dir / DYNAMODB_ENDPOINT_FILE).read_text().strip()
        return
    dynamodb = DynamoDBLocal(data_dir / "dynamodb")
    try:
        dynamodb.start()
        yield dynamodb.endpoint
    finally:
        dynamodb.stop()
        lock_file.close()
