"""E16 point 5 on the real local stack: EuWest is a remote region (its queue is not in the home
AWS region), so its worker runs the checks and sends the results home through the results
queue; the home worker records them and evaluates the monitor's state there (Pending to Up:
an evaluated surprise, like a failure; a failure's text and its Down are the in-process tests',
tests/checks/test_remote_worker.py, which keeps this one under 90 s)."""
from __future__ import annotations


from conftest import LocalStack, create, get, wait_until
from targets import HttpTarget


def test_a_monitor_checked_from_a_remote_region_gets_results_and_state_via_the_results_queue(
        tmp_path):
    target = HttpTarget().start()
    stack = LocalStack(tmp_path / "data").start()
    try:
        monitor = create(stack, "/api/monitors", {
            "name": "From Ireland", "type": "Website", "url": target.url, "intervalSeconds": 30,
            "failureThreshold": 1, "regions": ["EuWest"]})
        path = f"/api/monitors/{monitor['id']}"
        # Checked at once, not at its first slot: a tick may have sent the coming minute just
        # before the create, putting that slot up to two and a half minutes away.
        status, queued = stack.request("POST", f"{path}/check", key=stack.key)
        assert (status, queued["regions"]) == (202, ["EuWest"]), queued
        assert wait_until(lambda: get(stack, path)["status"] == "Up", 75, every=1), \
            stack.output[-3000:]
        results = get(stack, f"{path}/results")["items"]
        assert results and {r["region"] for r in results} == {"EuWest"}
        assert all(r["ok"] for r in results)
        assert "recorded the remote results of" in stack.output
        # The remote worker's handler ran without a failure (it calls no table: a call would be
        # a cross-region one on AWS, and its role would refuse it).
        assert "handler check_worker_euwest failed" not in stack.output
    finally:
        stack.stop()
        stack.kill()
        target.stop()
