"""The CDK app synthesized once per test run (in a subprocess: chalicelib reads its settings at
import, and this process already has the test suite's), shared by the xdist workers via a lock."""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")   # Node 20 banner
pytest.importorskip("aws_cdk", reason="infra deps not installed (make infra-deps)")

ROOT = Path(__file__).resolve().parents[2]
STAGE = "citest"
REGIONS = "UsEast,EuWest"          # home us-east-1, one check region stack in eu-west-1
MAIL_FROM = "alerts@example.com"


def synth_env(outdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENORI_")}
    env.update(STAGE=STAGE, REGIONS=REGIONS, MAIL_FROM=MAIL_FROM, CDK_OUTDIR=str(outdir),
               JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="1")
    wheelhouse = ROOT / ".cache" / "wheelhouse"
    if (wheelhouse / ".stamp").exists():   # offline: Chalice's pip reads the local wheels only
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse))
    return env


@pytest.fixture(scope="session")
def cdk_out(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker has its own basetemp inside this run's: share the run's.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    outdir, done = shared / "cdk.out", shared / "cdk.out.done"
    with open(shared / "cdk.out.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            started = time.monotonic()
            run = subprocess.run([sys.executable, str(ROOT / "infra" / "app.py")],
                                 cwd=shared, env=synth_env(outdir), capture_output=True,
                                 text=True, timeout=600)
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
            done.write_text(f"{time.monotonic() - started:.1f}")
    print(f"\ncdk synth took {done.read_text()} s -> {outdir}")
    return outdir


def load(cdk_out: Path, stack: str) -> dict:
    return json.loads((cdk_out / f"{stack}.template.json").read_text())


@pytest.fixture(scope="session")
def home_template(cdk_out) -> dict:
    return load(cdk_out, f"Enori-{STAGE}")


@pytest.fixture(scope="session")
def region_template(cdk_out) -> dict:
    return load(cdk_out, f"Enori-{STAGE}-EuWest")


def resources(template: dict, type_: str) -> dict:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == type_}
