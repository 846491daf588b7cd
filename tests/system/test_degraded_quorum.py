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
        # Threshold 1 on the same target and stack: Down at its first failed slot, decided by
        # UsEast alone although the monitor is too young for any slot without EuWest to be
        # settled (EuWest was never sent a check: unreached, hence dark at once).
        single = create(stack, "/api/monitors", {
            "name": "Half dark, threshold 1", "type": "Website", "url": target.url,
            "intervalSeconds": 30, "failureThreshold": 1, "regions": ["UsEast", "EuWest"]})
        bounds = {m["id"]: m["intervalSeconds"] * m["failureThreshold"] + 10
                  for m in (monitor, single)}
        path = f"/api/monitors/{monitor['id']}"
        bound = bounds[monitor["id"]]

        def statuses():
            return {m["id"]: m["status"] for m in get(stack, "/api/monitors")["items"]
                    if m["id"] in bounds}

        assert wait_until(lambda: set(statuses().values()) == {"Up"}, 150, every=1), \
            stack.output[-3000:]

        # Stopped right after the check that made them Up: the next slot is at most a whole
        # interval away, the slowest detection there is.
        target.stop()
        stopped = time.monotonic()
        detected: dict[str, float] = {}

        def all_down():
            for monitor_id, status in statuses().items():
                if status == "Down":
                    detected.setdefault(monitor_id, time.monotonic() - stopped)
            return len(detected) == len(bounds)

        down = wait_until(all_down, bound + 20, every=1)
        assert down, f"not all Down {time.monotonic() - stopped:.0f} s after the target " \
            f"stopped ({detected}):\n" + stack.output[-4000:]
        late = {m: round(s) for m, s in detected.items() if s > bounds[m]}
        assert not late, f"Down later than interval x threshold + 10 s {bounds}: {late}"
        detail = get(stack, path)
        assert detail["regionStatus"].get("EuWest", "Unknown") == "Unknown"
        assert detail["regionStatus"]["UsEast"] == "Down"
        assert detail["notCheckedIntervals"] >= 2
        assert wait_until(lambda: {"monitor.not_checked", "monitor.down"} <= set(hook.events()),
                          60), hook.events()
        incidents = get(stack, f"/api/incidents?monitorId={monitor['id']}")["items"]
        assert len(incidents) == 1 and incidents[0]["status"] != "Resolved"
        print(f"\nDown {detected[monitor['id']]:.1f} s (threshold 2, at most {bound} s) and "
              f"{detected[single['id']]:.1f} s (threshold 1, at most {bounds[single['id']]} s) "
              f"after the target stopped, with EuWest dark (30 s interval); "
              f"notCheckedIntervals {detail['notCheckedIntervals']}")
    finally:
        stack.stop()
        stack.kill()
        target.stop()
        hook.stop()
