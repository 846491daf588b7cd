"""A dashboard sign-in link on a deployed stage:
`ENORI_KEY=ek_live_... python -m infra.signin --stage dev --email you@example.com --url https://...`

The first person of a stage signs in with this: whoever holds one of the account's full-access
API keys (`python -m infra.bootstrap` prints the first) may mint a one-time link that signs them
in as the account's Owner. The key comes from the environment, never from the command line (shell
history). Uses the stage's own tables and secret, like infra.bootstrap.
"""
from __future__ import annotations

import argparse
import os
import sys

from infra.bootstrap import configure


def main(argv: list[str] | None = None, env=os.environ) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.signin", description=__doc__)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", default=env.get("HOME_REGION") or env.get("AWS_REGION")
                        or "us-east-1")
    parser.add_argument("--email", required=True, help="who signs in (shown in the dashboard)")
    parser.add_argument("--url", required=True, help="the stage's API URL, e.g. "
                        "https://abc123.execute-api.us-east-1.amazonaws.com/api")
    args = parser.parse_args(argv)
    if not env.get("ENORI_KEY"):
        parser.error("set ENORI_KEY to one of the account's full-access (*) API keys")
    configure(args.stage, args.region, env)
    from chalicelib.http import auth
    from chalicelib.kernel import scopes
    from chalicelib.kernel.clock import SystemClock
    from chalicelib.web import sessions

    principal = auth.authenticate(env["ENORI_KEY"])
    if not scopes.is_full_access(principal.scopes):
        parser.error("ENORI_KEY must be a full-access (*) key")
    token = sessions.issue_link(principal.account_id, args.email, "Owner", SystemClock().now())
    print(f"{args.url.rstrip('/')}/signin/{token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
