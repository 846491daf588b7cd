"""Job monitoring on the real local stack: the spec's three job examples as written, run times,
and a job that stops pinging going down and coming back."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path


from conftest import wait_until
from targets import WebhookReceiver

EXAMPLES = Path(__file__).parent / "spec_examples"


def new_job(stack, name, **fields):
    body = {"name": name, "type": "Job", "periodSeconds": 3600, **fields}
    status, job = stack.request("POST", "/api/monitors", key=stack.key, body=body)
    assert status == 201, job
    return job


def prepared(name, stack, token, tmp_path, replace=()):
    text = (EXAMPLES / name).read_text()
    text = text.replace("https://api.enori.io", stack.base_url).replace("YOUR_TOKEN", token)
    for old, new in replace:
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text)
    return path


def pings(stack, job):
    return stack.request("GET", f"/api/monitors/{job['id']}/pings", key=stack.key)[1]["items"]


def kinds(stack, job):
    return [p["kind"] for p in reversed(pings(stack, job))]


def run(command, cwd=None):
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ})


def test_the_shell_cron_job_reports_start_and_its_outcome(local_stack, tmp_path):
    job = new_job(local_stack, "backup (as written)")
    done = run(["bash", str(prepared("cron_job.sh", local_stack, job["pingToken"], tmp_path))])
    assert done.stdout == "OKOK"             # curl -fsS: every ping answered 200 "OK"
    assert kinds(local_stack, job) == ["Start", "Fail"]   # /usr/bin/backup-database.sh is absent

    job = new_job(local_stack, "backup (succeeding)")
    script = prepared("cron_job.sh", local_stack, job["pingToken"], tmp_path,
                      replace=[("/usr/bin/backup-database.sh", "true")])
    assert run(["bash", str(script)]).returncode == 0
    assert kinds(local_stack, job) == ["Start", "Success"]
    assert pings(local_stack, job)[0]["runtimeMs"] is not None


def test_the_python_job_reports_failure_then_success(local_stack, tmp_path):
    job = new_job(local_stack, "etl")
    done = run([sys.executable, str(prepared("python_job.py", local_stack, job["pingToken"], tmp_path))])
    assert done.returncode == 1                # run_etl_pipeline is the reader's to write
    assert kinds(local_stack, job) == ["Start", "Fail"]
    status, detail = local_stack.request("GET", f"/api/monitors/{job['id']}", key=local_stack.key)
    assert detail["status"] == "Down"

    script = prepared("python_job.py", local_stack, job["pingToken"], tmp_path,
                      replace=[("try:\n", "def run_etl_pipeline():\n    pass\n\n\ntry:\n")])
    assert run([sys.executable, str(script)]).returncode == 0
    assert kinds(local_stack, job)[-2:] == ["Start", "Success"]
    assert wait_until(lambda: local_stack.request("GET", f"/api/monitors/{job['id']}",
                                                  key=local_stack.key)[1]["status"] == "Up", 15)


def test_the_github_actions_steps_report_the_builds_outcome(local_stack, tmp_path):
    job = new_job(local_stack, "nightly")
    workdir = tmp_path / "repo"
    workdir.mkdir()
    script = prepared("github_actions_steps.sh", local_stack, job["pingToken"], tmp_path)
    run(["bash", str(script)], cwd=workdir)    # no package.json: the build fails
    assert kinds(local_stack, job) == ["Start", "Fail"]
    (workdir / "package.json").write_text(json.dumps(
        {"name": "nightly", "version": "1.0.0", "scripts": {"build": "echo built"}}))
    assert run(["npm", "install", "--package-lock-only", "--offline"], cwd=workdir).returncode == 0
    assert run(["bash", str(script)], cwd=workdir).returncode == 0
    assert kinds(local_stack, job)[-2:] == ["Start", "Success"]


def test_a_start_then_a_success_3_s_later_records_the_run_time(local_stack):
    job = new_job(local_stack, "timed")
    start_sent = time.monotonic()
    local_stack.request("GET", f"/ping/{job['pingToken']}/start")
    start_answered = time.monotonic()
    time.sleep(3)                              # real elapsed time is what is measured here
    success_sent = time.monotonic()
    local_stack.request("GET", f"/ping/{job['pingToken']}")
    success_answered = time.monotonic()
    runtime_ms = pings(local_stack, job)[0]["runtimeMs"]
    # The server stamped each ping while its request was in flight: the run time lies between
    # the shortest and the longest span those allow (a loaded machine widens them, no more).
    slack_ms = 50  # the server's wall clock against this process's monotonic one
    assert (success_sent - start_answered) * 1000 - slack_ms <= runtime_ms \
        <= (success_answered - start_sent) * 1000 + slack_ms
    assert runtime_ms >= 3000 - slack_ms


def test_a_job_that_stops_pinging_goes_down_alerts_and_comes_back(local_stack):
    hook = WebhookReceiver()
    try:
        status, channel = local_stack.request("POST", "/api/alert-channels", key=local_stack.key,
                                              body={"name": "jobs", "type": "Webhook",
                                                    "webhookUrl": hook.url})
        job = new_job(local_stack, "heartbeat", periodSeconds=60, gracePeriodSeconds=0,
                      alertChannelIds=[channel["id"]])
        assert local_stack.request("GET", f"/ping/{job['pingToken']}")[0] == 200
        # The deadline is a minute after the ping; the watcher runs every minute.
        assert wait_until(lambda: "monitor.down" in hook.events(), 150), local_stack.output[-3000:]
        detail = local_stack.request("GET", f"/api/monitors/{job['id']}", key=local_stack.key)[1]
        assert detail["status"] == "Down"
        incidents = local_stack.request("GET", f"/api/incidents?monitorId={job['id']}",
                                        key=local_stack.key)[1]["items"]
        assert len(incidents) == 1 and "no ping since" in incidents[0]["title"]

        local_stack.request("POST", f"/ping/{job['pingToken']}")
        assert wait_until(lambda: "monitor.up" in hook.events(), 30)
        assert wait_until(lambda: local_stack.request(
            "GET", f"/api/incidents/{incidents[0]['id']}", key=local_stack.key)[1]["status"] == "Resolved", 30)
    finally:
        hook.stop()
