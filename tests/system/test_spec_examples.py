"""The spec's code examples are clients: each runs unchanged against the local stack, with only
the base URL (and the key) changed. The examples live verbatim in spec_examples/."""
import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import wait_until

EXAMPLES = Path(__file__).parent / "spec_examples"


def prepared(name: str, stack, tmp_path: Path) -> Path:
    text = (EXAMPLES / name).read_text()
    text = text.replace("https://api.enori.io", stack.base_url).replace("YOUR_API_KEY", stack.key)
    path = tmp_path / name
    path.write_text(text)
    return path


def run(command: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def monitors(stack) -> dict:
    return {m["name"]: m for m in stack.request("GET", "/api/monitors?limit=500", key=stack.key)[1]["items"]}


def test_the_curl_block_runs(local_stack, tmp_path):
    done = run(["bash", str(prepared("curl_examples.sh", local_stack, tmp_path))])
    assert done.returncode == 0, done.stderr
    assert "Production API" in monitors(local_stack)
    assert '"totalCount"' in done.stdout           # the list answered JSON
    assert '"NOT_FOUND"' in done.stdout            # mon_abc123 is not one of ours: a clean 404


def test_the_python_block_runs_and_prints_uptime(local_stack, tmp_path):
    done = run([sys.executable, str(prepared("python_client.py", local_stack, tmp_path))])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Created monitor: mon_")
    assert "  Staging API: Pending (100.00%)" in done.stdout


def test_the_node_block_runs(local_stack, tmp_path):
    done = run(["node", str(prepared("node_client.mjs", local_stack, tmp_path))])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Created: mon_")
    assert "Checkout Service: Pending" in done.stdout


def test_the_github_actions_verify_step_passes_then_fails_on_a_down_monitor(local_stack, tmp_path):
    script = prepared("verify_after_deploy.sh", local_stack, tmp_path)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "sleep").write_text("#!/bin/sh\nexit 0\n")   # the deploy pause is not under test
    (fake_bin / "sleep").chmod(0o755)
    env = {"ENORI_KEY": local_stack.key, "PATH": f"{fake_bin}:{os.environ['PATH']}"}
    status, monitor = local_stack.request("POST", "/api/monitors", key=local_stack.key, body={
        "name": "Prod web", "type": "Website", "url": "http://127.0.0.1:9/", "tags": ["production"],
        "failureThreshold": 1})
    assert status == 201
    done = run(["bash", str(script)], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"Prod web: Pending"' in done.stdout

    local_stack.request("POST", f"/api/monitors/{monitor['id']}/check", key=local_stack.key)
    assert wait_until(lambda: monitors(local_stack)["Prod web"]["status"] == "Down", 60)
    done = run(["bash", str(script)], env)
    assert done.returncode == 1
    assert "::error::1 production monitors are down!" in done.stdout


def test_the_set_up_alerts_curl_creates_a_webhook_channel(local_stack, tmp_path):
    done = run(["bash", str(prepared("set_up_alerts.sh", local_stack, tmp_path))])
    assert done.returncode == 0, done.stderr
    channel = json.loads(done.stdout)
    assert channel["id"].startswith("ch_") and channel["type"] == "Webhook"
