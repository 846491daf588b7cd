"""Detection latency on the REAL local stack (E11): stop a target and time until a webhook
receiver gets `monitor.down`; start it again and time `monitor.up`. Four configurations
(interval 30 s / 60 s x failureThreshold 1 / 2, recoveryThreshold 1), TRIALS monitors each, all
on one stack at once: each monitor has its own target and a phase derived from its id, so the
concurrent trials sample the phase like sequential ones would, in one outage's wall time.
The ideal beside each row is interval x threshold (the worst case of a perfect scheduler; the
average is about half an interval less).
`--dark-region`: the same, with each monitor checked from UsEast and EuWest and EuWest dark (its
queue's endpoint refuses every connection: the scheduler cannot send it a check), so every slot
is decided by the one region that reports (E16 point 6, degraded quorum); E16's goal is p95 <=
interval x threshold + 10 s in both runs.
Usage: python bench/latency.py [--quick] [--dark-region] [--json out.json]
       (quick: 3 trials per config)
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import finish, parse_args, percentile  # noqa: E402

CONFIGS = [(30, 1), (30, 2), (60, 1), (60, 2)]


def first_seen(receiver, kind: str, monitor_ids: set[str], since: float, timeout: float) -> dict:
    """monitor id -> seconds from `since` until the receiver first held a `kind` event for it."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    checked = 0
    while len(seen) < len(monitor_ids) and time.monotonic() < deadline:
        received = receiver.received[checked:]
        checked += len(received)
        now = time.monotonic()
        for _, body in received:
            event = json.loads(body)
            monitor_id = (event.get("monitor") or {}).get("id")
            if event.get("event") == kind and monitor_id in monitor_ids and monitor_id not in seen:
                seen[monitor_id] = now - since
        time.sleep(0.1)
    return seen


def wait_until_up(stack, ids: set[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, body = stack.request("GET", "/api/monitors?limit=500", key=stack.key)
        if all(m["status"] == "Up" for m in body["items"] if m["id"] in ids):
            return True
        time.sleep(2)
    return False


def main(argv=None) -> dict:
    args = parse_args(__doc__.splitlines()[0], argv, lambda parser: parser.add_argument(
        "--dark-region", action="store_true", help="UsEast and EuWest, EuWest unreachable"))
    trials = 3 if args.quick else 10
    from common.stack import (HttpTarget, WebhookReceiver, create_monitors, make_keys,
                              start_stack, stop_stack)
    from local.dynamodb_local import free_port

    t0 = time.monotonic()
    regions, env = ["UsEast"], None
    if args.dark_region:      # nothing listens on a free port: every send to EuWest is refused
        regions, env = ["UsEast", "EuWest"], {
            "ENORI_REGION_SQS_ENDPOINTS": f"EuWest=http://127.0.0.1:{free_port()}"}
    stack, tmp = start_stack(env=env)
    receiver, targets = WebhookReceiver(), []
    try:
        print(f"  stack up in {time.monotonic() - t0:.0f} s", flush=True)
        count = len(CONFIGS) * trials
        keys = make_keys(stack, (count + 9) // 10)
        _, channel = stack.request("POST", "/api/alert-channels", key=stack.key,
                                   body={"name": "hook", "type": "Webhook", "webhookUrl": receiver.url})
        bodies, config_of = [], {}
        for interval, threshold in CONFIGS:
            for trial in range(trials):
                target = HttpTarget().start()
                targets.append(target)
                bodies.append({"name": f"lat-{interval}-{threshold}-{trial}", "type": "Website",
                               "url": target.url, "intervalSeconds": interval,
                               "failureThreshold": threshold, "recoveryThreshold": 1,
                               "regions": regions, "alertChannelIds": [channel["id"]]})
        monitors = create_monitors(stack, keys, bodies)
        ids = {m["id"] for m in monitors}
        for monitor, body in zip(monitors, bodies):
            config_of[monitor["id"]] = (body["intervalSeconds"], body["failureThreshold"])
        up = wait_until_up(stack, ids, 150)
        print(f"  {count} monitors created and {'all Up' if up else 'NOT all Up'} after "
              f"{time.monotonic() - t0:.0f} s", flush=True)
        down_at = time.monotonic()
        for target in targets:
            target.stop()
        down = first_seen(receiver, "monitor.down", ids, down_at, 60 * 2 + 75)
        print(f"  down detected for {len(down)}/{count} after {time.monotonic() - t0:.0f} s", flush=True)
        up_at = time.monotonic()
        for target in targets:
            target.start()
        recovered = first_seen(receiver, "monitor.up", ids, up_at, 60 + 75)
        print(f"  up detected for {len(recovered)}/{count} after {time.monotonic() - t0:.0f} s", flush=True)
    finally:
        for target in targets:
            target.stop()
        receiver.stop()
        stop_stack(stack, tmp)
    rows = []
    for interval, threshold in CONFIGS:
        mine = [m for m, c in config_of.items() if c == (interval, threshold)]
        d = [down[m] for m in mine if m in down]
        u = [recovered[m] for m in mine if m in recovered]
        row = {"interval_s": interval, "failure_threshold": threshold, "trials": len(mine),
               "ideal_down_s": interval * threshold, "ideal_up_s": interval,
               "goal_down_p95_s": interval * threshold + 10,
               "down_p50_s": _r(percentile(d, 50)), "down_p95_s": _r(percentile(d, 95)),
               "down_missed": len(mine) - len(d),
               "up_p50_s": _r(percentile(u, 50)), "up_p95_s": _r(percentile(u, 95)),
               "up_missed": len(mine) - len(u)}
        rows.append(row)
        print(f"  {interval:>2} s x {threshold}: down p50 {row['down_p50_s']} s p95 {row['down_p95_s']} s "
              f"(ideal <= {interval * threshold} s, missed {row['down_missed']}); up p50 {row['up_p50_s']} s "
              f"p95 {row['up_p95_s']} s (ideal <= {interval} s, missed {row['up_missed']})", flush=True)
    result = {"trials_per_config": trials, "regions": regions,
              "dark": ["EuWest"] if args.dark_region else [], "rows": rows}
    finish(args, result)
    return result


def _r(value):
    return None if value is None else round(value, 1)


if __name__ == "__main__":
    main()
