"""`python -m local login` (`make login`): a one-time link that signs in to the dashboard as the
owner of the local stack's account; `make run` prints one when it starts. No password is needed
locally: whoever can read the data dir owns the stack anyway. Works with or without the stack
running, like `make key` (local/keys.py)."""
from __future__ import annotations

from pathlib import Path

LOCAL_OWNER = "owner@enori.local"


def link_for(base_url: str, email: str = LOCAL_OWNER, role: str = "Owner") -> str | None:
    """A new sign-in link for the local account (storage settings already exported); None
    before the first start created the account."""
    from chalicelib.kernel.clock import SystemClock
    from chalicelib.web import sessions
    from local.keys import find_local_account

    account_id = find_local_account()
    if account_id is None:
        return None
    token = sessions.issue_link(account_id, email, role, SystemClock().now())
    return f"{base_url.rstrip('/')}/signin/{token}"


def print_link(data_dir: Path, base_url: str, email: str, role: str) -> str:
    from local.keys import _dynamodb_of
    from local.stack import export_storage_settings

    data_dir = Path(data_dir).resolve()
    if not (data_dir / "api-key-secret").exists():
        raise SystemExit(f"no local stack in {data_dir} yet: `make run` creates the account "
                         "on its first start.")
    with _dynamodb_of(data_dir) as endpoint:
        export_storage_settings(endpoint, data_dir)
        link = link_for(base_url, email, role)
    if link is None:
        raise SystemExit(f"no account in {data_dir} yet: `make run` creates it on its first start.")
    print(link, flush=True)
    return link
