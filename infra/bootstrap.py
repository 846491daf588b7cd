"""First account of a deployed stage: `python -m infra.bootstrap --stage dev [--region us-east-1]`.

Creates a Business account with a full-access API key in the stage's (deployed) tables and prints
the key once — the same `chalicelib.accounts.service.bootstrap_account` the local stack runs on first
start. The API key HMAC secret is read from Secrets Manager (`enori-<stage>/api-key-secret`, made
by the home stack), so the key works against the deployed API. Run it once per stage: every run
creates another account.
"""
from __future__ import annotations

import argparse
import os
import sys


def secret_name(stage: str) -> str:
    return f"enori-{stage}/api-key-secret"


def configure(stage: str, region: str, env=os.environ) -> None:
    """Point chalicelib at the stage (its settings are read once, at first import)."""
    loaded = sys.modules.get("chalicelib.kernel.settings")
    if loaded is not None and loaded.settings.resource_prefix != f"enori-{stage}":
        raise RuntimeError("chalicelib was imported for another stage before this one")
    env.update({"ENORI_STAGE": stage, "ENORI_RESOURCE_PREFIX": f"enori-{stage}",
                "ENORI_HOME_REGION": region, "AWS_DEFAULT_REGION": region})
    if not env.get("ENORI_API_KEY_SECRET"):
        import boto3

        client = boto3.client("secretsmanager", region_name=region)
        env["ENORI_API_KEY_SECRET"] = client.get_secret_value(
            SecretId=secret_name(stage))["SecretString"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bootstrap", description=__doc__)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", default=os.environ.get("HOME_REGION") or
                        os.environ.get("AWS_REGION") or "us-east-1",
                        help="the stage's home region (default: HOME_REGION, AWS_REGION)")
    args = parser.parse_args(argv)
    configure(args.stage, args.region)
    from chalicelib.accounts.service import bootstrap_account

    key = bootstrap_account()
    print(f"Account created in stage {args.stage} ({args.region}). Full-access API key, shown "
          f"once — keep it safe:\n\n  {key}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
