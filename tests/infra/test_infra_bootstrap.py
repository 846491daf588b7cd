"""`python -m infra.bootstrap` creates the first account and prints its key (against moto)."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import os, boto3
    from moto import mock_aws
    with mock_aws():
        boto3.client("secretsmanager", "us-east-1").create_secret(
            Name="enori-boot/api-key-secret", SecretString="s3cret-from-secrets-manager")
        from infra.bootstrap import configure, main
        configure("boot", "us-east-1")
        from chalicelib.storage.tables import create_tables
        create_tables()
        main(["--stage", "boot", "--region", "us-east-1"])
        from chalicelib.storage.accounts import AccountItem
        from chalicelib.storage.api_keys import ApiKeyItem
        print("tables", AccountItem.Meta.table_name, "secret", os.environ["ENORI_API_KEY_SECRET"])
        print("counts", AccountItem.count(), ApiKeyItem.count())
""")


def test_it_creates_the_first_account_with_the_deployed_secret():
    env = {"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Full-access API key" in run.stdout
    assert "tables enori-boot-accounts secret s3cret-from-secrets-manager" in run.stdout
    assert "counts 1 1" in run.stdout
