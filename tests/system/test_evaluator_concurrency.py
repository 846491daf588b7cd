"""Parallel evaluators on the real stack's DynamoDB Local: one outage, one transition, one
incident."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT, wait_until


def endpoints(stack) -> dict:
    dynamodb = re.search(r"DynamoDB Local on (http://127\.0\.0\.1:\d+)", stack.output).group(1)
    moto = re.search(r"moto server \(SQS, SNS, SES\) on (http://127\.0\.0\.1:\d+)", stack.output).group(1)
    return {"ENORI_DYNAMODB_ENDPOINT": dynamodb, "ENORI_AWS_ENDPOINT": moto,
            "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}


def test_parallel_evaluators_open_one_incident(local_stack):
    stack = local_stack
    status, monitor = stack.request("POST", "/api/monitors", key=stack.key, body={
        "name": "Raced", "type": "Website", "url": "http://127.0.0.1:9/", "failureThreshold": 1,
        "regions": ["UsEast", "EuWest"], "regionQuorum": 1})
    assert status == 201
    account_id = stack.request("GET", "/api/account", key=stack.key)[1]["id"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENORI_", "AWS_"))}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "race_evaluators.py"), account_id, monitor["id"], "16"],
        cwd=REPO_ROOT, env={**env, **endpoints(stack), "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"down": 1}

    def incidents():
        return stack.request("GET", f"/api/incidents?monitorId={monitor['id']}", key=stack.key)[1]["items"]

    assert wait_until(lambda: len(incidents()) == 1, 30)
    assert wait_until(lambda: len(incidents()) > 1, 3) is False  # and no second one follows
