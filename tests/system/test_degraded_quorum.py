"""E16 point 6 on the real local stack: two regions, one dark (the scheduler cannot reach its
queue at all). A real outage is still declared Down, by the one region that reports, as fast as
with both regions up (the goal: within interval x threshold + 10 s of the target stopping); the
monitor says it is not checked by enough regions, and the webhook hears monitor.not_checked."""
from __future__ import annotations

import time

from conftest import LocalStack, create, get, wait_until
from local.dynamodb_local import free_port
from targets import HttpTarget, WebhookReceiver


def test_with_one_of_two_regions_dark_a_real_outage_is_still_down(tmp_path):
    dark_port = free_port()            # nothing listens there: every connection is refused
    target, hook = HttpTarget().start(), WebhookReceiver()
    stack = LocalStack(tmp_path / "data", env={
        "ENORI_REGION_SQS_ENDPOINTS": f"EuWest=http://127.0.0.1:{dark_port}"}).start()
    try:
        channel = create(stack, "/api/alert-channels",
                         {"name": "hook", "type": "Webhook", "webhookUrl": hook.url})["id"]
        monitor = create(stack, "/api/monitors", {
            "name": "Half dark", "type": "Website", "url": target.url, "intervalSeconds": 30,
            "failureThreshold": 2, "regions": ["UsEast", "EuWest"],
            "alertChannelIds": [channel]})
        path = f"/api/monitors/{monitor['id']}"
        bound = monitor["intervalSeconds"] * monitor["failureThreshold"] + 10
        assert wait_until(lambda: get(stack, path)["status"] == "Up", 150, every=1), \
            stack.output[-3000:]

        # Stopped right after the check that made it Up: the next slot is a whole interval
        # away, the slowest detection there is.
        target.stop()
        stopped = time.monotonic()
        down = wait_until(lambda: get(stack, path)["status"] == "Down", bound + 20, every=1)
        detected = time.monotonic() - stopped
        assert down, f"not Down {detected:.0f} s after the target stopped:\n" \
            + stack.output[-4000:]
        assert detected <= bound, f"Down {detected:.0f} s after the target stopped, " \
            f"over interval x threshold + 10 s = {bound} s"
        detail = get(stack, path)
        assert detail["regionStatus"].get("EuWest", "Unknown") == "Unknown"
        assert detail["regionStatus"]["UsEast"] == "Down"
        assert detail["notCheckedIntervals"] >= 2
        assert wait_until(lambda: {"monitor.not_checked", "monitor.down"} <= set(hook.events()),
                          60), hook.events()
        incidents = get(stack, f"/api/incidents?monitorId={monitor['id']}")["items"]
        assert len(incidents) == 1 and incidents[0]["status"] != "Resolved"
        print(f"\nDown {detected:.1f} s after the target stopped, with EuWest dark "
              f"(30 s interval, failure threshold 2: at most {bound} s); notCheckedIntervals "
              f"{detail['notCheckedIntervals']}")
    finally:
        stack.stop()
        stack.kill()
        target.stop()
        hook.stop()
